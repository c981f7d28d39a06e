"""Checks launch/*.launch.py without ROS: byte-compiles them, imports them against stub `launch`, `launch_ros` and
`ament_index_python` modules that record what they are given, and checks the declared arguments, the node they
start and the helpers they use. Run by test/ros/launch.test.ts; prints one JSON line on success.

    python test/ros/launch_check.py <repo_root>
"""

import importlib.util
import json
import os
import py_compile
import sys
import tempfile
import types
import xml.etree.ElementTree as ET

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..'))
SHARE = '/opt/ros/jazzy/share/oneflow'


class Recorder:
    """Any launch action/substitution: keeps its positional and keyword arguments."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs


def stub(name, **attrs):
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    sys.modules[name] = module
    return module


def make_class(name):
    return type(name, (Recorder,), {})


class LaunchConfiguration(Recorder):
    values = {}

    def perform(self, context):
        return context[self.args[0]]


class DeclareLaunchArgument(Recorder):
    pass


class LaunchDescription(Recorder):
    pass


stub('launch', LaunchDescription=LaunchDescription)
stub('launch.actions', DeclareLaunchArgument=DeclareLaunchArgument, OpaqueFunction=make_class('OpaqueFunction'),
     ExecuteProcess=make_class('ExecuteProcess'), IncludeLaunchDescription=make_class('IncludeLaunchDescription'),
     TimerAction=make_class('TimerAction'))
stub('launch.substitutions', LaunchConfiguration=LaunchConfiguration)
stub('launch.launch_description_sources', PythonLaunchDescriptionSource=make_class('PythonLaunchDescriptionSource'))
stub('launch_ros')
stub('launch_ros.actions', Node=make_class('Node'))
stub('ament_index_python')
stub('ament_index_python.packages', get_package_share_directory=lambda pkg: SHARE if pkg == 'oneflow' else None)


def load(name):
    path = os.path.join(ROOT, 'launch', name)
    py_compile.compile(path, doraise=True, cfile=os.path.join(tempfile.mkdtemp(), name + 'c'))
    spec = importlib.util.spec_from_file_location(name.replace('.', '_'), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def declared(description):
    return {a.args[0]: a.kwargs for a in description.args[0] if isinstance(a, DeclareLaunchArgument)}


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def check_policy():
    m = load('policy.launch.py')
    args = declared(m.generate_launch_description())
    required = ['model', 'params_file', 'namespace', 'camera_topic', 'joint_states_topic', 'action_chunk_topic',
                'joint_trajectory_topic', 'metrics_port', 'log_level', 'use_sim_time']
    for name in required:
        expect(name in args, f'policy.launch.py does not declare {name}')
        expect(len(args[name].get('description', '')) > 15, f'{name} has no real description')
    expect(args['log_level'].get('choices') == ['debug', 'info', 'warn', 'error', 'fatal'], 'log_level choices')
    expect(args['use_sim_time']['default_value'] == 'false', 'use_sim_time default')

    # Defaults: the packaged params file, nothing overridden but use_sim_time.
    values = {name: kw['default_value'] for name, kw in args.items()}
    ctx_node = m._launch_setup(values)[0]
    kw = ctx_node.kwargs
    expect(kw['package'] == 'oneflow' and kw['executable'] == 'policy_node', 'runs lib/oneflow/policy_node')
    expect(kw['name'] == 'oneflow_policy' and kw['namespace'] == '', 'node name / namespace defaults')
    expect(kw['parameters'][0] == os.path.join(SHARE, 'config', 'policy.params.yaml'), 'default params file')
    expect(kw['parameters'][1] == {'log_level': 'info', 'use_sim_time': False}, f"only log_level and use_sim_time by default, got {kw['parameters'][1]}")
    expect(kw['ros_arguments'] == ['--log-level', 'info'], 'rcl log level')

    # Every override, typed; a relative model found under share/ when not in the current directory.
    values.update(model='models/x.onnx', camera_topic='/wrist/image_raw', metrics_port='9500', use_sim_time='true',
                  joint_trajectory_topic='/arm_controller/joint_trajectory', namespace='robot1', log_level='debug')
    params = m._launch_setup(values)[0].kwargs['parameters'][1]
    expect(params == {'model': os.path.join(SHARE, 'models/x.onnx'), 'camera_topic': '/wrist/image_raw',
                      'joint_trajectory_topic': '/arm_controller/joint_trajectory', 'metrics_port': 9500,
                      'log_level': 'debug', 'use_sim_time': True}, f'overrides: {params}')
    with tempfile.TemporaryDirectory() as cwd:
        os.makedirs(os.path.join(cwd, 'models'))
        open(os.path.join(cwd, 'models', 'x.onnx'), 'wb').close()
        expect(m.resolve_model('models/x.onnx', SHARE, cwd) == os.path.join(cwd, 'models', 'x.onnx'), 'cwd first')
    expect(m.resolve_model('/abs/y.onnx', SHARE) == '/abs/y.onnx', 'absolute kept')
    for bad in ({'metrics_port': 'http'}, {'use_sim_time': 'maybe'}):
        try:
            m.node_overrides(bad, SHARE)
        except ValueError as err:
            expect(list(bad)[0] in str(err), f'error names the argument: {err}')
        else:
            raise AssertionError(f'{bad} accepted')
    return sorted(args)


def check_bag_demo():
    m = load('bag_demo.launch.py')
    description = m.generate_launch_description()
    args = declared(description)
    for name in ['bag', 'rate', 'model', 'metrics_port', 'use_sim_time']:
        expect(name in args, f'bag_demo.launch.py does not declare {name}')
    expect(args['use_sim_time']['default_value'] == 'true', 'the bag drives /clock')
    include = [a for a in description.args[0] if type(a).__name__ == 'IncludeLaunchDescription'][0]
    source = include.args[0].args[0]
    expect(source == os.path.join(SHARE, 'launch', 'policy.launch.py'), f'includes {source}')
    forwarded = dict(include.kwargs['launch_arguments'])
    expect(set(forwarded) == {n for n, _ in m.POLICY_ARGUMENTS}, 'forwards every policy argument')
    with tempfile.NamedTemporaryFile(suffix='.mcap') as bag:
        cmd = m.bag_play_command(bag.name, '2', '100', 'false')
        expect(cmd == ['ros2', 'bag', 'play', bag.name, '--rate', '2.0', '--clock', '100',
                       '--disable-keyboard-controls'], f'command {cmd}')
        expect(m.bag_play_command(bag.name, '1', '100', 'true')[-1] == '--loop', '--loop')
    for bad in ('', '/nonexistent/bag.mcap'):
        try:
            m.bag_play_command(bad, '1', '100', 'false')
        except ValueError as err:
            expect('bag:=' in str(err), str(err))
        else:
            raise AssertionError(f'bag {bad!r} accepted')
    return sorted(args)


def check_packages():
    """package.xml (format 3) and CMakeLists.txt of oneflow and oneflow_msgs: names, build types, what is installed."""
    found = {}
    for rel in ('package.xml', 'msgs/oneflow_msgs/package.xml'):
        root = ET.parse(os.path.join(ROOT, rel)).getroot()
        expect(root.tag == 'package' and root.get('format') == '3', f'{rel}: package format 3')
        name = root.findtext('name')
        deps = {e.tag: set() for e in root}
        for e in root:
            deps.setdefault(e.tag, set()).add(e.text)
        expect(root.findtext('export/build_type') == 'ament_cmake', f'{rel}: ament_cmake')
        for tag in ('version', 'description', 'maintainer', 'license'):
            expect((root.findtext(tag) or '').strip(), f'{rel}: <{tag}>')
        found[name] = deps
    ours, msgs = found['oneflow'], found['oneflow_msgs']
    for dep in ('oneflow_msgs', 'launch_ros', 'sensor_msgs', 'trajectory_msgs', 'geometry_msgs', 'ros2bag'):
        expect(dep in ours['exec_depend'], f'oneflow exec_depends on {dep}')
    expect('rosidl_default_generators' in msgs['buildtool_depend'], 'oneflow_msgs generators')
    expect('rosidl_default_runtime' in msgs['exec_depend'], 'oneflow_msgs runtime')
    expect('rosidl_interface_packages' in msgs['member_of_group'], 'oneflow_msgs is an interface package')
    with open(os.path.join(ROOT, 'msgs/oneflow_msgs/msg/ActionChunk.msg')) as f:
        fields = f.read()
    for dep in ('std_msgs',):
        expect(dep + '/' in fields and dep in msgs['depend'], f'oneflow_msgs depends on {dep}')
    with open(os.path.join(ROOT, 'msgs/oneflow_msgs/CMakeLists.txt')) as f:
        expect('"msg/ActionChunk.msg"' in f.read(), 'ActionChunk.msg generated')
    with open(os.path.join(ROOT, 'CMakeLists.txt')) as f:
        cmake = f.read()
    for needle in ('project(oneflow NONE)', 'install(DIRECTORY launch config', 'install(DIRECTORY dist/src',
                   'install(DIRECTORY node_modules', 'install(FILES package.json',
                   'install(PROGRAMS scripts/policy_node DESTINATION lib/${PROJECT_NAME})', 'ament_package()'):
        expect(needle in cmake, f'CMakeLists.txt: {needle}')
    expect(os.access(os.path.join(ROOT, 'scripts/policy_node'), os.X_OK), 'scripts/policy_node is executable')
    return sorted(found)


if __name__ == '__main__':
    print(json.dumps({'policy': check_policy(), 'bag_demo': check_bag_demo(), 'packages': check_packages()}))
