from fracturescope_common.parameter_files import node_key, node_parameters, read_node_parameters, set_node_parameters
import pytest
import yaml

DOCUMENT = {
    '/**': {'ros__parameters': {'use_sim_time': False, 'rate_hz': 1.0}},
    '/**/camera': {'ros__parameters': {'rate_hz': 5.0}},
    '/robot1/camera': {'ros__parameters': {'rate_hz': 9.0}},
    'ledger': {'ros__parameters': {'path': 'x.db'}},
    '/**/other': {'ros__parameters': {'rate_hz': 2.0}},
}


def test_a_node_gets_the_wildcard_sections_that_match_its_name_in_any_namespace():
    assert node_parameters(DOCUMENT, 'camera') == {'use_sim_time': False, 'rate_hz': 5.0}
    assert node_parameters(DOCUMENT, 'ledger') == {'use_sim_time': False, 'rate_hz': 1.0, 'path': 'x.db'}
    assert node_parameters(DOCUMENT, 'unknown') == {'use_sim_time': False, 'rate_hz': 1.0}


def test_reading_a_file_without_a_section_for_the_node_is_an_error(tmp_path):
    path = tmp_path / 'p.yaml'
    path.write_text(yaml.safe_dump({node_key('control'): {'ros__parameters': {'period_s': 0.2}}}))
    assert read_node_parameters(path, 'control') == {'period_s': 0.2}
    with pytest.raises(KeyError, match='no parameters for node'):
        read_node_parameters(path, 'ledger')


def test_set_changes_the_nodes_own_section_or_adds_one():
    document = {'/**': {'ros__parameters': {'a': 1}}, '/**/camera': {'ros__parameters': {'b': 2}}}
    set_node_parameters(document, 'camera', b=3)
    set_node_parameters(document, 'ledger', c=4)
    assert document == {'/**': {'ros__parameters': {'a': 1}}, '/**/camera': {'ros__parameters': {'b': 3}},
                        '/**/ledger': {'ros__parameters': {'c': 4}}}
