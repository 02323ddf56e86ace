"""Complete message definitions as rosbag2 stores them (docs/message_definition_encoding.md): checked against the
rosidl-generated Python classes (an independent reading of the same .msg files), and on hand-written packages for
the syntax the installed messages do not use."""

from importlib import import_module
from pathlib import Path
import re
import sys

from fracturescope_common.message_definitions import (
    DELIMITER,
    complete_definition,
    package_share_directory,
    parse_full_text,
)
import pytest

TYPES = ['fracturescope_msgs/msg/DefectDetection', 'fracturescope_msgs/msg/RollCommand', 'sensor_msgs/msg/Image',
         'sensor_msgs/msg/CompressedImage', 'sensor_msgs/msg/CameraInfo', 'diagnostic_msgs/msg/DiagnosticArray',
         'visualization_msgs/msg/MarkerArray', 'rcl_interfaces/msg/Log', 'rcl_interfaces/msg/ParameterEvent',
         'fracturescope_msgs/msg/LedgerCheckpoint', 'geometry_msgs/msg/PoseWithCovarianceStamped']
_NESTED = re.compile(r'([A-Za-z0-9_]+/[A-Za-z0-9_]+)')


def python_class(type_name: str) -> type:
    package, name = type_name.replace('/msg/', '/').split('/')
    return getattr(import_module(f'{package}.msg'), name)


def closure(type_name: str) -> set[str]:
    """Every message type `type_name` nests, from the generated classes' get_fields_and_field_types()."""
    found: set[str] = set()
    pending = [type_name]
    while pending:
        for field_type in python_class(pending.pop()).get_fields_and_field_types().values():
            for nested in _NESTED.findall(field_type):
                if nested not in found:
                    found.add(nested)
                    pending.append(nested)
    return found


def field_names(msg_text: str) -> list[str]:
    """Field names of a .msg text (constants, `TYPE NAME=value`, left out)."""
    names = []
    for line in msg_text.splitlines():
        tokens = line.split('#', 1)[0].split()
        if len(tokens) >= 2 and '=' not in tokens[1] and not (len(tokens) > 2 and tokens[2].startswith('=')):
            names.append(tokens[1])
    return names


@pytest.mark.parametrize('type_name', TYPES)
def test_every_nested_type_once_as_the_generated_classes_see_them(type_name):
    encoding, text = complete_definition(type_name)
    sections = parse_full_text(text)
    assert encoding == 'ros2msg' and set(sections) - {''} == closure(type_name)
    assert text.count('\nMSG: ') == len(sections) - 1                  # each once
    for name, body in sections.items():
        fields = python_class(name or type_name).get_fields_and_field_types()
        assert field_names(body) == list(fields), name or type_name


def test_top_level_text_first_then_each_used_type_once():
    encoding, text = complete_definition('sensor_msgs/msg/Image')
    assert encoding == 'ros2msg'
    parts = text.split('\n' + DELIMITER)
    assert 'uint32 height' in parts[0] and 'MSG:' not in parts[0]
    names = [p.splitlines()[0] for p in parts[1:]]
    assert names == ['MSG: std_msgs/Header', 'MSG: builtin_interfaces/Time']
    assert 'int32 sec' in parts[2] and DELIMITER == '=' * 80 + '\n'


def test_a_type_of_the_same_package_needs_no_package_name():
    """DefectDetection says `DefectRegion[] regions`: rosidl reads it as fracturescope_msgs/DefectRegion."""
    _, text = complete_definition('fracturescope_msgs/msg/DefectDetection')
    assert 'fracturescope_msgs/DefectRegion' in parse_full_text(text)


def write_msg(share: Path, package: str, name: str, text: str) -> None:
    folder = share / package / 'msg'
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f'{name}.msg').write_text(text)


def test_arrays_bounds_constants_and_comments(tmp_path):
    write_msg(tmp_path, 'demo_msgs', 'Outer', '# Inner in a comment is no field\n'
              'uint8 MODE_A = 1   # constant\nstring<=8 short_name\nwstring wide\n'
              'Inner[] many\nInner[<=3] few  # bounded\nother_msgs/Leaf[4] leaves\nInner one\n'
              'int32[] numbers [1, 2]\n')
    write_msg(tmp_path, 'demo_msgs', 'Inner', 'other_msgs/Leaf leaf\nbool flag\n')
    write_msg(tmp_path, 'other_msgs', 'Leaf', 'float64 value 0.5\n')
    encoding, text = complete_definition('demo_msgs/msg/Outer', lambda package: str(tmp_path / package))
    assert encoding == 'ros2msg'
    assert list(parse_full_text(text)) == ['', 'demo_msgs/Inner', 'other_msgs/Leaf']   # depth first, once each
    assert parse_full_text(text)['other_msgs/Leaf'] == 'float64 value 0.5\n'


def test_idl_when_no_msg_file_and_empty_when_nothing(tmp_path):
    share = tmp_path / 'pkg'
    (share / 'msg').mkdir(parents=True)
    (share / 'msg' / 'A.idl').write_text('#include "pkg/msg/B.idl"\nmodule pkg { module msg { struct A { '
                                         'pkg::msg::B b; }; }; };\n')
    (share / 'msg' / 'B.idl').write_text('module pkg { module msg { struct B { float x; }; }; };\n')
    encoding, text = complete_definition('pkg/msg/A', lambda package: str(tmp_path / package))
    assert encoding == 'ros2idl'
    assert text.startswith(DELIMITER + 'IDL: pkg/msg/A\n') and '\n' + DELIMITER + 'IDL: pkg/msg/B\n' in text
    write_msg(tmp_path, 'demo_msgs', 'Outer', 'demo_msgs/Gone gone\n')      # a dependency without a file
    assert complete_definition('demo_msgs/msg/Outer', lambda package: str(tmp_path / package)) == ('', '')
    assert complete_definition('nopkg/msg/X') == ('', '')
    assert complete_definition('not a type') == ('', '')
    assert complete_definition('example_interfaces/srv/AddTwoInts') == ('', '')   # services: left empty


def test_the_wheels_message_packages_are_found_in_this_environment():
    """The PyPI message wheels install share/<pkg>/msg into the venv, which AMENT_PREFIX_PATH need not list."""
    share = Path(package_share_directory('sensor_msgs'))
    assert (share / 'msg' / 'Image.msg').is_file() and str(share).startswith(sys.prefix)


def test_a_section_without_its_header_is_refused():
    with pytest.raises(ValueError, match='without its MSG: header'):
        parse_full_text('int32 a\n' + DELIMITER + 'garbage\n')
