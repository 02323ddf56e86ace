"""The XML launch parser against real launch (3.7.1) and launch_ros (0.28.0): each test names the source file
where the behaviour was read."""

from pathlib import Path
import socket

from fracturescope_launch.launch_xml import (
    LaunchFileError,
    NodeSpec,
    declared_arguments,
    launch_file_in_package,
    load_launch_file,
    split_command_line,
)
import pytest
import yaml

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




def params_of(path):
    return yaml.safe_load(Path(path).read_text())


# launch_ros/launch_ros/actions/node.py (Node.__init__, _perform_substitutions): args, --ros-args, __node, __ns,
# global params, one params file per <param>, remaps.
def test_node_command_is_what_launch_ros_runs(launch, prefix, tmp_path):
    params = tmp_path / 'p.yaml'
    params.write_text('/**:\n  ros__parameters: {a: 1}\n')
    node = only_node(launch(f"""
        <node pkg="demo" exec="talker" name="chat" namespace="robot" args="--fast 'two words'"
              ros_args="--log-level debug">
          <param name="rate" value="10"/>
          <param from="{params}"/>
          <remap from="out" to="/chatter"/>
        </node>"""))
    command = node.command()
    assert command[:12] == [
        str(prefix / 'lib/demo/talker'), '--fast', 'two words', '--ros-args', '--log-level', 'debug', '--ros-args',
        '-r', '__node:=chat', '-r', '__ns:=/robot', '--params-file']
    assert params_of(command[12]) == {'/robot/chat': {'ros__parameters': {'rate': 10}}}
    assert command[13:] == ['--params-file', str(params), '-r', 'out:=/chatter']


# launch_ros/launch_ros/actions/node.py (is_node_name_fully_specified): without a namespace, inline parameters
# are written for /** and no __ns is passed.
def test_node_without_namespace_passes_no_ns_and_writes_wildcard_params(launch, prefix):
    node = only_node(launch('<node pkg="demo" exec="talker" name="a"><param name="x" value="1"/></node>'))
    command = node.command()
    assert command[:5] == [str(prefix / 'lib/demo/talker'), '--ros-args', '-r', '__node:=a', '--params-file']
    assert params_of(command[5]) == {'/**': {'ros__parameters': {'x': 1}}}
    assert only_node(launch('<node pkg="demo" exec="talker"/>')).command() == [
        str(prefix / 'lib/demo/talker'), '--ros-args']


# launch_ros/launch_ros/actions/node.py (parse_nested_parameters) + launch/launch/utilities/type_utils.py
# (coerce_to_type, perform_typed_substitution): YAML on the written text, then on each substituted item.
# So quotes around a substitution are YAML's, gone before it is substituted: "'$(var n)'" is the int 4.
@pytest.mark.parametrize(('value', 'extra', 'expected'), [
    ('3', '', 3), ('2.5', '', 2.5), ('true', '', True), ('hello', '', 'hello'), ("'7'", '', '7'), ('', '', ''),
    ('[1, 2]', '', [1, 2]), ("['a', 'b']", '', ['a', 'b']), ('$(var n)', '', 4), ("'$(var n)'", '', 4),
    ("['$(var n)', 'x']", '', None), ('a,b', 'value-sep=","', ['a', 'b']),
    ('1;2', 'value-sep=";"', [1, 2]), ('5', 'type="str"', '5'), ('5', 'type="float"', 5.0),
    ('$(var n)', 'type="str"', '4'), ('[1, 2]', 'type="list_of_int"', [1, 2]),
])
def test_inline_param_values_are_typed_like_launch_ros(launch, value, extra, expected):
    body = f'<arg name="n" default="4"/><node pkg="demo" exec="talker"><param name="p" value="{value}" {extra}/></node>'
    if expected is None:
        with pytest.raises(LaunchFileError, match="parameter 'p'"):
            launch(body)
        return
    (params,) = only_node(launch(body)).params
    assert params == {'p': expected} and type(params['p']) is type(expected)


# launch_ros/launch_ros/utilities/evaluate_parameters.py via type_utils.py: what YAML makes a dict, null or a
# mixed list is no parameter value.
@pytest.mark.parametrize('value', ['a: b', '[1, x]', '[1, 2.5]', 'null', '$(var m)'])
def test_inline_params_that_are_no_parameter_type_are_rejected(launch, value):
    with pytest.raises(LaunchFileError, match="parameter 'p'"):
        launch(f'<let name="m" value="{{a: 1}}"/>'
               f'<node pkg="demo" exec="talker"><param name="p" value="{value}"/></node>')


# launch_ros/launch_ros/actions/node.py (parse_nested_parameters) + utilities/normalize_parameters.py: nested
# <param> elements flatten to dotted names.
def test_nested_params_flatten_to_dotted_names(launch):
    node = only_node(launch("""<node pkg="demo" exec="talker">
        <param name="camera"><param name="rate" value="5"/>
          <param name="size"><param name="w" value="8"/></param></param>
        </node>"""))
    assert node.params == ({'camera.rate': 5, 'camera.size.w': 8},)


# launch_ros/launch_ros/actions/node.py (_perform_substitutions): a params file that does not exist is left out
# with a warning, not an error.
def test_missing_params_file_is_a_warning(launch, tmp_path):
    plan = launch('<node pkg="demo" exec="talker"><param from="/nope.yaml"/></node>')
    assert only_node(plan).params == () and plan.warnings == (
        f'{tmp_path / "main.launch.xml"}: parameter file path is not a file: /nope.yaml',)


# launch/launch/actions/execute_process.py (parse: env children, launch-prefix, output, respawn*, on_exit)
# and launch/launch/descriptions/executable.py (prepare: prefix before the command).
def test_node_process_attributes(launch, prefix):
    node = only_node(launch("""
        <set_env name="LEVEL" value="1"/>
        <unset_env name="HOME"/>
        <node pkg="demo" exec="talker" exec_name="speaker" output="screen" respawn="yes" respawn_delay="0.5"
              respawn_max_retries="3" on_exit="shutdown" launch-prefix="nice -n 5" cwd="/tmp">
          <env name="NODE_ONLY" value="yes"/>
        </node>"""))
    assert (node.output, node.respawn, node.respawn_delay, node.respawn_max_retries, node.on_exit, node.cwd) == (
        'screen', True, 0.5, 3, 'shutdown', '/tmp')
    assert node.env == {'LEVEL': '1', 'NODE_ONLY': 'yes'} and node.label == 'speaker'
    assert node.command()[:4] == ['nice', '-n', '5', str(prefix / 'lib/demo/talker')]


# launch/launch/descriptions/executable.py (prepare): without launch-prefix, the launch configurations
# launch-prefix and launch-prefix-filter (a regex on the executable's basename) apply.
def test_launch_prefix_configuration_and_filter(launch):
    plan = launch("""<let name="launch-prefix" value="valgrind"/><let name="launch-prefix-filter" value="tal"/>
        <node pkg="demo" exec="talker"/><node pkg="demo" exec="listener"/>""")
    assert [n.prefix for n in plan.nodes] == [('valgrind',), ()]


# launch/launch/actions/execute_process.py (parse, _parse_cmdline): <executable> with cmd split like a shell
# except substitution values, name as the process label, env children.
def test_executable(launch):
    node = only_node(launch("""<let name="w" value="two words"/>
        <executable cmd="echo -n $(var w) x$(var w)y" name="say" cwd="/" output="screen"><env name="A" value="1"/>
        </executable>"""))
    assert node.command() == ['echo', '-n', 'two words', 'xtwo wordsy']
    assert (node.label, node.cwd, node.env['A'], node.is_node) == ('say', '/', '1', False)


# launch/launch/actions/execute_process.py (_parse_cmdline): how text and substitutions make arguments.
def test_split_command_line_keeps_substitution_values_whole():
    assert split_command_line([(False, 'a b'), (True, ' c '), (False, 'd'), (True, '/e f')]) == [
        'a b', 'c', 'd/e', 'f']


# launch/launch/actions/declare_launch_argument.py and set_launch_configuration.py: defaults, overrides, <let>,
# <choice>.
def test_arguments_defaults_overrides_let_and_choices(launch):
    plan = launch("""
        <arg name="robot" default="scope"/>
        <arg name="rate" default="5"><choice value="5"/><choice value="9"/></arg>
        <let name="full" value="$(var robot)_$(var rate)"/>
        <node pkg="demo" exec="talker" name="$(var full)"/>""", args={'rate': '9'})
    assert only_node(plan).name == 'scope_9'
    with pytest.raises(LaunchFileError, match=r"provided value '7' is not valid; valid options: \['5'\]"):
        launch('<arg name="rate" default="5"><choice value="5"/></arg>', args={'rate': '7'})


# launch/launch/actions/include_launch_description.py (execute: required arguments are checked first).
def test_missing_launch_arguments_are_listed(launch):
    with pytest.raises(LaunchFileError) as error:
        launch("""<arg name="a" description="first"/><arg name="b"/><arg name="c" default="1"/>""")
    assert "missing required launch argument(s) of main.launch.xml: 'a' (first), 'b' (no description given)" in str(
        error.value)


# launch/launch/substitutions/{environment_variable,launch_configuration,this_launch_file_dir,this_launch_file,
# python_expression}.py, launch_ros/launch_ros/substitutions/{find_package,executable_in_package}.py.
def test_substitutions(launch, tmp_path, prefix):
    plan = launch("""
        <arg name="n" default="4"/>
        <node pkg="demo" exec="talker" name="a" args="$(env HOME) $(env NOPE fallback) $(var nope dflt) x
            $(dirname) $(filename) $(eval '$(var n) * 2 + pi') $(eval 'math.floor(2.7)')
            $(eval &quot;'$(var n)' == '4'&quot;) $(eval 'len(str(12345))') $(eval 'os.sep' 'os, math')
            $(find-pkg-prefix demo) $(find-pkg-share demo) $(exec-in-pkg talker demo) $(var $(eval '&quot;n&quot;'))
            $(command 'echo hi') a\\$(b"/>""")
    assert only_node(plan).args == (
        '/home/x', 'fallback', 'dflt', 'x', str(tmp_path), str(tmp_path / 'main.launch.xml'),
        str(8 + 3.141592653589793), '2', 'True', '5', '/', str(prefix), str(prefix / 'share/demo'),
        str(prefix / 'lib/demo/talker'), '4', 'hi\n',
        'a$(b')


# launch/launch/substitutions/anon_name.py: kept as the launch configuration 'anon<name>'.
def test_anon_is_unique_per_name_and_stable_within_a_scope(launch):
    plan = launch("""
        <node pkg="demo" exec="talker" name="$(anon cam)"/>
        <node pkg="demo" exec="talker" name="$(anon cam)"/>
        <node pkg="demo" exec="talker" name="$(anon other)"/>""")
    first, second, third = (n.name for n in plan.nodes)
    assert first == second != third and first.startswith('cam_' + socket.gethostname().replace('-', '_'))


def test_set_env_and_append_env_are_visible_to_env_substitution(launch):
    # launch/launch/actions/append_environment_variable.py: appends with os.pathsep unless told otherwise.
    node = only_node(launch("""<set_env name="X" value="1"/><append_env name="X" value="2"/>
        <append_env name="X" value="0" prepend="true" separator=","/>
        <node pkg="demo" exec="talker" args="$(env X)"/>"""))
    assert node.args == ('0,1:2',)


# launch/launch/conditions/evaluate_condition_expression_impl.py: true/1/false/0, case-insensitive.
@pytest.mark.parametrize(('condition', 'started'), [
    ('if="true"', True), ('if="1"', True), ('if="TRUE"', True), ('if="false"', False), ('if="0"', False),
    ('unless="true"', False), ('unless="False"', True), ('if="$(var on)"', True),
])
def test_if_and_unless(launch, condition, started):
    plan = launch(f'<arg name="on" default="true"/><node pkg="demo" exec="talker" {condition}/>')
    assert len(plan.nodes) == int(started)


def test_conditions_apply_to_actions(launch):
    # launch/launch/action.py (Action.parse): every action takes if/unless.
    node = only_node(launch("""
        <let name="v" value="a"/>
        <let name="v" value="b" if="false"/>
        <set_env name="E" value="1" unless="true"/>
        <node pkg="demo" exec="talker" name="$(var v)"/>"""))
    assert (node.name, node.env) == ('a', {'HOME': '/home/x'})


# launch_xml/launch_xml/entity.py (assert_entity_completely_parsed) via include_launch_description.py,
# execute_process.py and node.py: children of actions take no if/unless.
@pytest.mark.parametrize('body', [
    '<include file="$(dirname)/x.launch.xml"><arg name="a" value="1" if="true"/></include>',
    '<node pkg="demo" exec="talker"><param name="p" value="1" if="false"/></node>',
    '<node pkg="demo" exec="talker"><remap from="a" to="b" unless="1"/></node>',
    '<node pkg="demo" exec="talker"><env name="A" value="1" if="true"/></node>',
])
def test_conditions_on_children_are_rejected(launch, tmp_path, body):
    (tmp_path / 'x.launch.xml').write_text('<launch/>')
    with pytest.raises(LaunchFileError, match=r"unexpected attribute\(s\) \['(if|unless)'\]"):
        launch(body)


def test_bad_condition_value_is_an_error(launch):
    message = r"main.launch.xml: <node .*>: if: expected true/false/1/0, got 'yes'"
    with pytest.raises(LaunchFileError, match=message):
        launch('<node pkg="demo" exec="talker" if="yes"/>')


# launch/launch/actions/group_action.py, launch_ros/launch_ros/actions/push_ros_namespace.py: a scoped group
# restores configurations (the ROS namespace is one) and environment; scoped="false" leaks both.
def test_groups_scope_let_env_and_namespace(launch):
    plan = launch("""
        <let name="v" value="outer"/>
        <group>
          <let name="v" value="inner"/>
          <set_env name="G" value="1"/>
          <push_ros_namespace namespace="arm"/>
          <push-ros-namespace namespace="left/"/>
          <node pkg="demo" exec="talker" name="$(var v)"/>
          <node pkg="demo" exec="talker" name="abs" namespace="/root"/>
          <node pkg="demo" exec="talker" name="ns" args="$(var ros_namespace)"/>
        </group>
        <node pkg="demo" exec="talker" name="$(var v)"/>
        <group scoped="false">
          <let name="v" value="leaked"/>
          <push_ros_namespace namespace="/top"/>
        </group>
        <node pkg="demo" exec="talker" name="$(var v)" namespace="sub"/>""")
    inner, absolute, shown, outer, leaked = plan.nodes
    assert (inner.name, inner.namespace, inner.env.get('G')) == ('inner', '/arm/left', '1')
    assert absolute.namespace == '/root' and shown.args == ('/arm/left',)
    assert (outer.name, outer.namespace, outer.env.get('G')) == ('outer', None, None)
    assert (leaked.name, leaked.namespace) == ('leaked', '/top/sub')


# launch_ros/launch_ros/utilities/namespace_utils.py (prefix_namespace, make_namespace_absolute): an empty
# pushed namespace is the root namespace, and nodes then get __ns:=/ and a full node name for their params.
def test_empty_pushed_namespace_is_root(launch):
    node = only_node(launch("""<group><push_ros_namespace namespace=""/>
        <node pkg="demo" exec="talker" name="a"><param name="x" value="1"/></node></group>"""))
    assert node.namespace == '/' and node.parameter_target == '/a'
    assert node.command()[4:6] == ['-r', '__ns:=/']


# launch/launch/actions/group_action.py: forwarding="false" starts from no configurations and the launch's
# initial environment, plus <keep>s evaluated before clearing.
def test_group_without_forwarding(launch):
    plan = launch("""<let name="a" value="1"/><let name="b" value="2"/><set_env name="E" value="x"/>
        <group scoped="true" forwarding="false"><keep name="c" value="$(var a)"/>
          <node pkg="demo" exec="talker" name="n$(var c)" args="$(var b none) $(env E none)"/></group>""")
    assert (only_node(plan).name, only_node(plan).args) == ('n1', ('none', 'none'))


# launch/launch/actions/group_action.py + launch_xml/launch_xml/entity.py: scoped is read as a bool or, failing
# that, a string, never substituted: "no" is false, "maybe" (a non-empty string) is true.
@pytest.mark.parametrize(('scoped', 'leaks'), [('false', True), ('0', True), ('no', True), ('maybe', False)])
def test_group_scoped_is_read_like_launch_xml(launch, scoped, leaks):
    plan = launch(f"""<let name="v" value="out"/><group scoped="{scoped}"><let name="v" value="in"/></group>
        <node pkg="demo" exec="talker" name="$(var v)"/>""")
    assert only_node(plan).name == ('in' if leaks else 'out')


# launch_ros/launch_ros/actions/{set_parameter,set_parameters_from_file,set_remap}.py and node.py: global
# parameters (-p name:=value, before the node's own), parameter files and remaps for every node in scope.
def test_set_parameter_set_remap_and_parameter_files(launch, tmp_path):
    params = tmp_path / 'g.yaml'
    params.write_text('/**:\n  ros__parameters: {g: 1}\n')
    plan = launch(f"""<group>
          <set_parameter name="use_sim_time" value="true"/>
          <set_parameter name="ids" value="[1, 2]"/>
          <set_parameters_from_file filename="{params}"/>
          <set_remap from="a" to="b"/>
          <node pkg="demo" exec="talker"><remap from="c" to="d"/></node>
        </group>
        <node pkg="demo" exec="listener"/>""")
    inside, outside = plan.nodes
    assert inside.command()[1:] == [
        '--ros-args', '-p', 'use_sim_time:=True', '-p', 'ids:=(1, 2)', '--params-file', str(params),
        '-r', 'a:=b', '-r', 'c:=d']
    assert outside.command()[1:] == ['--ros-args']


# launch_ros/launch_ros/actions/set_parameter.py: the list of global parameters is extended in place, so a
# scoped group adds to a list made outside it.
def test_set_parameter_in_a_group_adds_to_an_outer_list(launch):
    plan = launch("""<set_parameter name="a" value="1"/><group><set_parameter name="b" value="2"/></group>
        <node pkg="demo" exec="talker"/>""")
    assert only_node(plan).global_params == (('a', '1'), ('b', '2'))


# launch/launch/actions/include_launch_description.py (execute): arguments become launch configurations of the
# including context; nothing is scoped, and launch_context.py keeps the included file as the current one.
def test_include_passes_args_and_does_not_scope_configurations(launch, tmp_path):
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
        </include>
        <node pkg="demo" exec="talker" name="$(var secret)_$(var who)_$(var rate)" args="$(dirname)"/>""")
    child, parent = plan.nodes
    assert (child.name, child.args) == ('ear_1_parent', (str(sub),))
    assert (parent.name, parent.args) == ('child_ear_1', (str(sub),))


# launch/launch/actions/include_launch_description.py (execute): a required argument of the included file must
# be passed by the include itself, even when the including file has a configuration of that name.
def test_include_must_pass_required_arguments(launch, tmp_path):
    (tmp_path / 'child.launch.xml').write_text('<launch><arg name="who"/></launch>')
    with pytest.raises(LaunchFileError, match=r"missing required launch argument\(s\) of child.launch.xml: 'who'"):
        launch('<let name="who" value="x"/><include file="$(dirname)/child.launch.xml"/>')


def test_error_in_included_file_names_that_file(launch, tmp_path):
    (tmp_path / 'bad.launch.xml').write_text('<launch><nodes/></launch>')
    with pytest.raises(LaunchFileError, match=r'bad.launch.xml: <nodes>: unknown tag <nodes>'):
        launch('<include file="$(dirname)/bad.launch.xml"/>')


# launch/launch/frontend/expose.py (instantiate_substitution): `Unknown substitution` for ROS 1's optenv, arg, ...
@pytest.mark.parametrize('name', ['optenv', 'arg', 'find'])
def test_ros1_substitutions_are_unknown(launch, name):
    with pytest.raises(LaunchFileError, match=rf"unknown substitution '\$\({name} \.\.\.\)'"):
        launch(f'<node pkg="demo" exec="talker" name="$({name} X d)"/>')


# Accepted by real launch (launch/launch/actions/*.py, launch_ros/launch_ros/actions/*.py,
# launch/launch/substitutions/boolean_substitution.py, ...) but not by this runner: said so, never ignored.
@pytest.mark.parametrize('body', [
    '<timer period="1"/>', '<log message="x"/>', '<node_container pkg="a" exec="b" name="c" namespace="d"/>',
    '<set_use_sim_time value="true"/>', '<node pkg="demo" exec="talker" shell="true"/>',
    '<node pkg="demo" exec="talker" name="$(not true)"/>', '<include file="x.launch.py"/>',
    '<node pkg="demo" exec="talker"><param from="x.yaml" allow_substs="true"/></node>',
])
def test_valid_but_unsupported_is_said_so(launch, body):
    with pytest.raises(LaunchFileError, match='valid in ROS 2 launch but not supported by this runner'):
        launch(body)


@pytest.mark.parametrize(('body', 'message'), [
    ('<nodes pkg="demo"/>', r'main.launch.xml: <nodes pkg="demo">: unknown tag <nodes>'),
    ('<node pkg="demo" exec="talker" ns="x"/>', r"<node .*>: unexpected attribute\(s\) \['ns'\] in <node>"),
    ('<node pkg="demo" exec="talker" node-name="x"/>', r"unexpected attribute\(s\) \['node-name'\]"),
    ('<node pkg="demo" exec="talker"><parm name="a" value="1"/></node>', r"unexpected nested tag\(s\) \['parm'\]"),
    ('<node pkg="demo" exec="talker"><param name="a" value="1" from="x"/></node>', r'mutually exclusive'),
    ('<node pkg="demo" exec="talker"><param name="a"/></node>', r'either a value attribute or nested params'),
    ('<node pkg="demo" exec="talker" name="$(var x"/>', r'unterminated substitution'),
    ('<node pkg="demo" exec="talker" name="$(var nope)"/>', r"launch configuration 'nope' does not exist"),
    ('<node pkg="demo" exec="talker" name="$(env NOPE)"/>', r"environment variable 'NOPE' does not exist"),
    ('<node pkg="demo" exec="talker" name="$(eval \'1/0\')"/>', r'failed: division by zero'),
    ('<node pkg="demo" exec="talker" name="$(dirname x)"/>', r"'\$\(dirname\)' takes 0..0 argument"),
    ('<node pkg="demo" exec="talker" name="a-b"/>', r"invalid node name 'a-b'"),
    ('<push_ros_namespace namespace="a b"/>', r'the resulting namespace is invalid'),
    ('<node pkg="demo" exec="talker" output="tty"/>', r'output must be one of'),
    ('<node pkg="demo" exec="talker" on_exit="restart"/>', r"on_exit supports only 'shutdown'"),
    ('<node pkg="demo" exec="talker" respawn="often"/>', r"respawn: cannot convert 'often' to bool"),
    ('<node pkg="demo" exec="talker" respawn_delay="-1"/>', r'respawn_delay must not be negative'),
    ('<node pkg="demo" exec="talker" if="true" unless="true"/>', r"if and unless conditions can't be used"),
    ('<node exec="talker" pkg="demo" name="a" namespace="b" args="$(command \'false\')"/>', r'command failed'),
    ('<node exec="talker"/>', r"package 'talker'|"),
    ('<node pkg="demo"/>', r"<node> is missing required attribute\(s\) \['exec'\]"),
    ('<let name="a" value="1"><node pkg="demo" exec="talker"/></let>', r"unexpected nested tag\(s\) \['node'\]"),
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
    if body == '<node exec="talker"/>':
        # launch_ros/launch_ros/actions/node.py: without pkg, exec is run as given (found on the PATH).
        assert only_node(launch(body)).command() == ['talker', '--ros-args']
        return
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


# ros2launch's `ros2 launch PACKAGE FILE`: the file is looked for in the package's share folder.
def test_launch_file_in_package(prefix):
    (prefix / 'share/demo/launch').mkdir()
    (prefix / 'share/demo/launch/a.launch.xml').write_text('<launch/>')
    assert launch_file_in_package('demo', 'a.launch.xml') == prefix / 'share/demo/launch/a.launch.xml'
    with pytest.raises(LaunchFileError, match="launch file 'b.launch.xml' not found in the share folder of package"):
        launch_file_in_package('demo', 'b.launch.xml')
