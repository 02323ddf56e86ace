"""The XML launch parser: tags, substitutions, scoping, typing, command lines and errors."""

import math

from fracturescope_launch.launch_xml import (
    LaunchFileError,
    NodeSpec,
    declared_arguments,
    load_launch_file,
    typed_param,
    yaml_value,
)
import pytest

NODE = '#!/usr/bin/env python3\nprint("hi")\n'


@pytest.fixture
def prefix(tmp_path, monkeypatch, install_fake_package):
    root = tmp_path / 'install'
    install_fake_package(root, 'demo', {'talker': NODE, 'listener': NODE})
    install_fake_package(root, 'other', {})
    monkeypatch.setenv('AMENT_PREFIX_PATH', str(root))
    return root


@pytest.fixture
def launch(tmp_path, prefix):
    """Write `body` into a launch file and resolve it."""

    def resolve(body, args=None, env=None, name='main.launch.xml'):
        path = tmp_path / name
        path.write_text(f'<launch>{body}</launch>')
        return load_launch_file(path, args, {'HOME': '/home/x'} if env is None else env)

    return resolve


def only_node(plan) -> NodeSpec:
    assert len(plan.nodes) == 1
    return plan.nodes[0]


def test_node_command_is_what_launch_ros_runs(launch, prefix, tmp_path):
    params = tmp_path / 'p.yaml'
    params.write_text('/**:\n  ros__parameters: {a: 1}\n')
    node = only_node(launch(f"""
        <node pkg="demo" exec="talker" name="chat" namespace="robot" args="--fast 'two words'">
          <param name="rate" value="10"/>
          <param from="{params}"/>
          <param name="ids" value="[1, 2]"/>
          <remap from="out" to="/chatter"/>
        </node>"""))
    assert node.command() == [
        str(prefix / 'lib/demo/talker'), '--fast', 'two words', '--ros-args',
        '-r', '__node:=chat', '-r', '__ns:=/robot',
        '-p', 'rate:=10', '--params-file', str(params), '-p', 'ids:=[1, 2]',
        '-r', 'out:=/chatter',
    ]


def test_node_without_name_or_namespace_passes_neither(launch, prefix):
    assert only_node(launch('<node pkg="demo" exec="talker"/>')).command() == [
        str(prefix / 'lib/demo/talker'), '--ros-args']


@pytest.mark.parametrize(('text', 'value', 'flag'), [
    ('3', 3, '3'), ('2.5', 2.5, '2.5'), ('true', True, 'true'), ('False', False, 'false'),
    ('hello', 'hello', 'hello'), ('[1, 2]', [1, 2], '[1, 2]'), ('[0.5, 1.5]', [0.5, 1.5], '[0.5, 1.5]'),
    ("['a', 'b']", ['a', 'b'], '[a, b]'), ("'7'", '7', "'7'"), ('a: b', 'a: b', "'a: b'"),
    ('[1, x]', '[1, x]', "'[1, x]'"), ('', '', "''"),
])
def test_inline_params_are_typed_like_launch_ros(text, value, flag):
    assert typed_param(text) == value
    assert type(typed_param(text)) is type(value)
    assert yaml_value(typed_param(text)) == flag


def test_node_attributes_env_and_flags(launch):
    node = only_node(launch("""
        <set_env name="LEVEL" value="1"/>
        <unset_env name="HOME"/>
        <node pkg="demo" exec="talker" output="screen" respawn="true" respawn_delay="0.5" on_exit="shutdown">
          <env name="NODE_ONLY" value="yes"/>
        </node>"""))
    assert (node.output, node.respawn, node.respawn_delay, node.on_exit) == ('screen', True, 0.5, 'shutdown')
    assert node.env == {'LEVEL': '1', 'NODE_ONLY': 'yes'}


def test_arguments_defaults_overrides_and_let(launch):
    plan = launch("""
        <arg name="robot" default="scope"/>
        <arg name="rate" default="5"/>
        <let name="full" value="$(var robot)_$(var rate)"/>
        <node pkg="demo" exec="talker" name="$(var full)"/>""", args={'rate': '9'})
    assert only_node(plan).name == 'scope_9'


def test_missing_launch_arguments_are_listed(launch):
    with pytest.raises(LaunchFileError) as error:
        launch("""<arg name="a" description="first"/><arg name="b"/><arg name="c" default="1"/>""")
    assert "missing required launch argument(s): 'a' (first), 'b' (no description given)" in str(error.value)


def test_substitutions(launch, tmp_path):
    plan = launch("""
        <arg name="n" default="4"/>
        <node pkg="demo" exec="talker" name="a" args="$(env HOME) $(env NOPE fallback) $(optenv NOPE) x
            $(optenv HOME) $(optenv NOPE dflt) $(dirname) $(filename) $(eval '$(var n) * 2 + math.pi')
            $(eval 'floor(2.7)') $(eval &quot;'$(var n)' == '4'&quot;) $(find-pkg-prefix demo)
            $(find-pkg-share demo) $(var $(eval '&quot;n&quot;'))"/>""")
    assert only_node(plan).args == (
        '/home/x', 'fallback', 'x', '/home/x', 'dflt', str(tmp_path), 'main.launch.xml', str(8 + math.pi),
        '2', 'True', str(tmp_path / 'install'), str(tmp_path / 'install/share/demo'), '4')


def test_anon_is_unique_per_name_and_stable_within_a_launch(launch):
    plan = launch("""
        <node pkg="demo" exec="talker" name="$(anon cam)"/>
        <node pkg="demo" exec="talker" name="$(anon cam)"/>
        <node pkg="demo" exec="talker" name="$(anon other)"/>""")
    first, second, third = (n.name for n in plan.nodes)
    assert first == second != third and first.startswith('cam_')


def test_set_env_is_visible_to_env_substitution(launch):
    node = only_node(launch('<set_env name="X" value="1"/><node pkg="demo" exec="talker" args="$(env X)"/>'))
    assert node.args == ('1',)


@pytest.mark.parametrize(('condition', 'started'), [
    ('if="true"', True), ('if="1"', True), ('if="TRUE"', True), ('if="false"', False), ('if="0"', False),
    ('unless="true"', False), ('unless="False"', True), ('if="$(var on)"', True),
])
def test_if_and_unless(launch, condition, started):
    plan = launch(f'<arg name="on" default="true"/><node pkg="demo" exec="talker" {condition}/>')
    assert len(plan.nodes) == int(started)


def test_conditions_apply_to_every_entity(launch):
    node = only_node(launch("""
        <let name="v" value="a"/>
        <let name="v" value="b" if="false"/>
        <set_env name="E" value="1" unless="true"/>
        <node pkg="demo" exec="talker" name="$(var v)">
          <param name="p" value="1" if="false"/>
          <remap from="x" to="y" unless="1"/>
        </node>"""))
    assert (node.name, node.params, node.remaps, node.env) == ('a', (), (), {'HOME': '/home/x'})


def test_bad_condition_value_is_an_error(launch):
    message = r"main.launch.xml: <node .*>: if: expected true/false/1/0, got 'yes'"
    with pytest.raises(LaunchFileError, match=message):
        launch('<node pkg="demo" exec="talker" if="yes"/>')


def test_groups_scope_let_env_and_namespace(launch):
    plan = launch("""
        <let name="v" value="outer"/>
        <group>
          <let name="v" value="inner"/>
          <set_env name="G" value="1"/>
          <push_ros_namespace namespace="arm"/>
          <push_ros_namespace namespace="left"/>
          <node pkg="demo" exec="talker" name="$(var v)"/>
          <node pkg="demo" exec="talker" name="abs" namespace="/root"/>
        </group>
        <node pkg="demo" exec="talker" name="$(var v)"/>
        <group scoped="false">
          <let name="v" value="leaked"/>
          <push_ros_namespace namespace="/top"/>
        </group>
        <node pkg="demo" exec="talker" name="$(var v)" namespace="sub"/>""")
    inner, absolute, outer, leaked = plan.nodes
    assert (inner.name, inner.namespace, inner.env.get('G')) == ('inner', '/arm/left', '1')
    assert absolute.namespace == '/root'
    assert (outer.name, outer.namespace, outer.env.get('G')) == ('outer', None, None)
    assert (leaked.name, leaked.namespace) == ('leaked', '/top/sub')


def test_include_passes_args_and_scopes_configurations(launch, tmp_path):
    sub = tmp_path / 'sub'
    sub.mkdir()
    (sub / 'child.launch.xml').write_text("""<launch>
        <arg name="who"/>
        <arg name="rate" default="1"/>
        <let name="secret" value="child"/>
        <node pkg="demo" exec="listener" name="$(var who)_$(var rate)_$(var inherited)" args="$(dirname)"/>
    </launch>""")
    plan = launch("""
        <let name="inherited" value="parent"/>
        <include file="$(dirname)/sub/child.launch.xml">
          <arg name="who" value="ear"/>
          <arg name="rate" value="ignored" if="false"/>
        </include>
        <let name="secret" value="parent" />
        <node pkg="demo" exec="talker" name="$(var secret)"/>""")
    child, parent = plan.nodes
    assert (child.name, child.args) == ('ear_1_parent', (str(sub),))
    assert parent.name == 'parent'
    with pytest.raises(LaunchFileError, match="launch configuration 'who' does not exist"):
        launch('<let name="inherited" value="p"/>'
               '<include file="$(dirname)/sub/child.launch.xml"><arg name="who" value="x"/></include>'
               '<node pkg="demo" exec="talker" name="$(var who)"/>')


def test_error_in_included_file_names_that_file(launch, tmp_path):
    (tmp_path / 'bad.launch.xml').write_text('<launch><nodes/></launch>')
    with pytest.raises(LaunchFileError, match=r'bad.launch.xml: <nodes>: unknown tag <nodes>'):
        launch('<include file="$(dirname)/bad.launch.xml"/>')


@pytest.mark.parametrize(('body', 'message'), [
    ('<nodes pkg="demo"/>', r'main.launch.xml: <nodes pkg="demo">: unknown tag <nodes>'),
    ('<node pkg="demo" exec="talker" ns="x"/>', r"<node .*>: unknown attribute\(s\) \['ns'\] for <node>"),
    ('<node pkg="demo" exec="talker"><parm name="a" value="1"/></node>', r'unknown tag <parm> in <node>'),
    ('<node pkg="demo" exec="talker" name="$(arg x)"/>', r"unknown substitution '\$\(arg \.\.\.\)'"),
    ('<node pkg="demo" exec="talker" name="$(var x"/>', r'unterminated substitution'),
    ('<node pkg="demo" exec="talker" name="$(var nope)"/>', r"launch configuration 'nope' does not exist"),
    ('<node pkg="demo" exec="talker" name="$(env NOPE)"/>', r"environment variable 'NOPE' does not exist"),
    ('<node pkg="demo" exec="talker" name="$(eval \'1/0\')"/>', r'failed: division by zero'),
    ('<node pkg="demo" exec="talker" name="$(eval \'open\')"/>', r"name 'open' is not defined"),
    ('<node pkg="demo" exec="talker" name="$(dirname x)"/>', r"'\$\(dirname\)' takes 0..0 argument"),
    ('<node pkg="demo" exec="talker" output="tty"/>', r'output must be one of'),
    ('<node pkg="demo" exec="talker" on_exit="restart"/>', r"on_exit supports only 'shutdown'"),
    ('<node pkg="demo" exec="talker" respawn="often"/>', r"respawn: expected true/false/1/0, got 'often'"),
    ('<node pkg="demo" exec="talker"><param from="/no/such.yaml"/></node>', r"file '/no/such.yaml' does not"),
    ('<node pkg="demo" exec="talker"><param name="a"/></node>', r"missing required attribute\(s\) \['value"),
    ('<node exec="talker"/>', r"<node> is missing required attribute\(s\) \['pkg'\]"),
    ('<let name="a" value="1"><node pkg="demo" exec="talker"/></let>', r'<let> takes no child elements'),
    ('<group scoped="maybe"/>', r"scoped: expected true/false/1/0, got 'maybe'"),
    ('<include file="x.launch.py"/>', r'only XML launch files are supported'),
    ('<include file="$(dirname)/main.launch.xml"/>', r'includes itself'),
    ('<include file="nope.launch.xml"/>', r'cannot read launch file'),
    ('<node pkg="ghost" exec="talker"/>',
     r"package 'ghost' not found — is the workspace sourced \(source install/setup.bash\)\?"),
    ('<node pkg="demo" exec="speaker"/>',
     r"executable 'speaker' not found in package 'demo' \(it has: listener, talker\)"),
    ('<node pkg="other" exec="x"/>', r"not found in package 'other' \(it has: none\)"),
    ('<node pkg="demo" exec="talker" name="$(find-pkg-share ghost)"/>', r"package 'ghost' not found"),
])
def test_errors_name_the_file_element_and_cause(launch, tmp_path, body, message):
    with pytest.raises(LaunchFileError, match=message) as error:
        launch(body)
    assert str(error.value).startswith(f'{tmp_path / "main.launch.xml"}: <')


def test_root_must_be_launch(tmp_path, prefix):
    (tmp_path / 'x.xml').write_text('<lunch/>')
    with pytest.raises(LaunchFileError, match=r'root element must be <launch>'):
        load_launch_file(tmp_path / 'x.xml')


def test_declared_arguments_for_show_args(tmp_path):
    (tmp_path / 'a.launch.xml').write_text(
        '<launch><arg name="a" default="$(env X)" description="alpha"/><arg name="b"/></launch>')
    args = declared_arguments(tmp_path / 'a.launch.xml')
    assert [(a.name, a.default, a.description) for a in args] == [
        ('a', '$(env X)', 'alpha'), ('b', None, 'no description given')]
