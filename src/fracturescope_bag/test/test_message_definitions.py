"""Complete message definitions as rosbag2 stores them (docs/message_definition_encoding.md)."""

from fracturescope_bag.message_definitions import DELIMITER, complete_definition


def test_top_level_text_first_then_each_used_type_once():
    encoding, text = complete_definition('sensor_msgs/msg/Image')
    assert encoding == 'ros2msg'
    parts = text.split('\n' + DELIMITER)
    assert 'uint32 height' in parts[0] and 'MSG:' not in parts[0]
    names = [p.splitlines()[0] for p in parts[1:]]
    assert names == ['MSG: std_msgs/Header', 'MSG: builtin_interfaces/Time']
    assert 'int32 sec' in parts[2]


def test_project_types_resolve_through_other_packages():
    encoding, text = complete_definition('fracturescope_msgs/msg/DefectDetection')
    names = {line for line in text.splitlines() if line.startswith('MSG: ')}
    assert encoding == 'ros2msg'
    assert {'MSG: std_msgs/Header', 'MSG: builtin_interfaces/Time'} <= names
    assert len(names) == len([line for line in text.splitlines() if line.startswith('MSG: ')])  # each once


def test_idl_when_no_msg_file_and_empty_when_nothing(tmp_path):
    share = tmp_path / 'pkg'
    (share / 'msg').mkdir(parents=True)
    (share / 'msg' / 'A.idl').write_text('#include "pkg/msg/B.idl"\nmodule pkg { module msg { struct A { '
                                         'pkg::msg::B b; }; }; };\n')
    (share / 'msg' / 'B.idl').write_text('module pkg { module msg { struct B { float x; }; }; };\n')
    encoding, text = complete_definition('pkg/msg/A', lambda package: str(tmp_path / package))
    assert encoding == 'ros2idl'
    assert text.startswith(DELIMITER + 'IDL: pkg/msg/A\n') and '\n' + DELIMITER + 'IDL: pkg/msg/B\n' in text
    assert complete_definition('nopkg/msg/X') == ('', '')
    assert complete_definition('not a type') == ('', '')
