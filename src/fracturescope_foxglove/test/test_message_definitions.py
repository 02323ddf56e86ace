"""ros2msg full definitions: checked against the rosidl-generated Python classes (an independent reading of the same
.msg files), and on hand-written packages for the syntax the installed messages do not use."""

from importlib import import_module
import os
from pathlib import Path
import re
import sys

from fracturescope_foxglove.message_definitions import (
    SEPARATOR,
    DefinitionNotFoundError,
    MessageDefinitions,
    field_types,
    parse_full_text,
    search_prefixes,
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
def test_full_text_holds_every_nested_type_once_as_the_generated_classes_see_them(type_name):
    text = MessageDefinitions().full_text(type_name)
    sections = parse_full_text(text)
    assert set(sections) - {''} == closure(type_name)
    assert text.count('\nMSG: ') == len(sections) - 1                  # each once
    for name, body in sections.items():
        fields = python_class(name or type_name).get_fields_and_field_types()
        assert field_names(body) == list(fields), name or type_name


def test_layout_matches_the_rosbag2_encoding():
    """The root text first, each dependency after a line of exactly 80 '=' and `MSG: pkg/Type`."""
    definitions = MessageDefinitions()
    text = definitions.full_text('sensor_msgs/msg/CompressedImage')
    root = definitions.msg_text('sensor_msgs/CompressedImage')
    header = definitions.msg_text('std_msgs/Header')
    time = definitions.msg_text('builtin_interfaces/Time')
    assert text == (f'{root}\n{"=" * 80}\nMSG: std_msgs/Header\n{header}'
                    f'\n{"=" * 80}\nMSG: builtin_interfaces/Time\n{time}')
    assert SEPARATOR == '=' * 80 and root.startswith('# This message contains a compressed image')


def test_a_type_of_the_same_package_needs_no_package_name():
    """DefectDetection says `DefectRegion[] regions`: rosidl reads it as fracturescope_msgs/DefectRegion."""
    assert 'fracturescope_msgs/DefectRegion' in MessageDefinitions().dependencies(
        'fracturescope_msgs/msg/DefectDetection')


def write_msg(prefix: Path, package: str, name: str, text: str) -> None:
    folder = prefix / 'share' / package / 'msg'
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f'{name}.msg').write_text(text)


def test_arrays_bounds_constants_and_comments(tmp_path):
    write_msg(tmp_path, 'demo_msgs', 'Outer', '# Inner in a comment is no field\n'
              'uint8 MODE_A = 1   # constant\nstring<=8 short_name\nwstring wide\n'
              'Inner[] many\nInner[<=3] few  # bounded\nother_msgs/Leaf[4] leaves\nInner one\n'
              'int32[] numbers [1, 2]\n')
    write_msg(tmp_path, 'demo_msgs', 'Inner', 'other_msgs/Leaf leaf\nbool flag\n')
    write_msg(tmp_path / 'second', 'other_msgs', 'Leaf', 'float64 value 0.5\n')
    assert field_types((tmp_path / 'share/demo_msgs/msg/Outer.msg').read_text(), 'demo_msgs') == \
        ['demo_msgs/Inner', 'other_msgs/Leaf']
    definitions = MessageDefinitions([tmp_path, tmp_path / 'second'])
    text = definitions.full_text('demo_msgs/msg/Outer')
    assert list(parse_full_text(text)) == ['', 'demo_msgs/Inner', 'other_msgs/Leaf']   # depth first, once each
    assert parse_full_text(text)['other_msgs/Leaf'] == 'float64 value 0.5\n'


def test_a_missing_definition_is_an_error_that_names_it(tmp_path):
    write_msg(tmp_path, 'demo_msgs', 'Outer', 'demo_msgs/Gone gone\n')
    definitions = MessageDefinitions([tmp_path])
    with pytest.raises(DefinitionNotFoundError, match='demo_msgs/msg/Gone.msg'):
        definitions.full_text('demo_msgs/msg/Outer')
    with pytest.raises(DefinitionNotFoundError, match='not a message type name'):
        definitions.full_text('demo_msgs/action/Fibonacci_FeedbackMessage')


def test_the_first_prefix_that_has_the_file_wins(tmp_path):
    write_msg(tmp_path / 'overlay', 'demo_msgs', 'Thing', 'int32 new_field\n')
    write_msg(tmp_path / 'underlay', 'demo_msgs', 'Thing', 'int32 old_field\n')
    definitions = MessageDefinitions([tmp_path / 'overlay', tmp_path / 'underlay'])
    assert definitions.full_text('demo_msgs/msg/Thing') == 'int32 new_field\n'


def test_prefixes_are_the_ament_prefix_path_then_this_environment():
    """The PyPI message wheels install share/<pkg>/msg into the venv, which AMENT_PREFIX_PATH need not list."""
    environ = {'AMENT_PREFIX_PATH': os.pathsep.join(['/a', '/b'])}
    assert search_prefixes(environ) == [Path('/a'), Path('/b'), Path(sys.prefix)]
    assert (Path(sys.prefix) / 'share' / 'sensor_msgs' / 'msg' / 'Image.msg').is_file()
