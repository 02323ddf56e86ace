from fracturescope_common.json_lines import JsonLinesFile


def test_records_read_back_and_a_line_cut_short_never_swallows_the_next(tmp_path):
    path = tmp_path / 'log.jsonl'
    log = JsonLinesFile(path)
    log.append({'n': 1})
    log.close()
    with path.open('ab') as file:                 # what a crash in the middle of a write leaves
        file.write(b'{"n": 2, "tru')
    later = JsonLinesFile(path)
    later.append({'n': 3})
    assert list(later.read()) == [{'n': 1}, {'n': 3}]
    later.rewrite([{'n': 3}])
    later.append({'n': 4})
    assert list(JsonLinesFile(path).read()) == [{'n': 3}, {'n': 4}]
    assert list(JsonLinesFile(tmp_path / 'absent').read()) == []
