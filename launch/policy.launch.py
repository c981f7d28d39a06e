"""Start the OneFlow policy node.

    ros2 launch oneflow policy.launch.py model:=models/<name>.onnx [arg:=value ...]
    ros2 launch oneflow policy.launch.py --show-args      # every argument with its description and default

The node reads its tuning (control rate, deadline, observation age limit, joint names, execution mode, ...) from
`params_file` (default: share/oneflow/config/policy.params.yaml). The topic, model, metrics and logging arguments
below override the file only when given a non-empty value, so a custom params file stays the single source of
truth unless you say otherwise on the command line.
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

PACKAGE = 'oneflow'
EXECUTABLE = 'policy_node'
LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'fatal']

# (name, default, description). Empty default = "keep the value from params_file".
ARGUMENTS = [
    ('model', '',
     'ONNX policy file (the oneflow.policy contract). A relative path is looked up in the current directory, '
     'then in share/oneflow (so models/<name>.onnx finds a shipped model). Empty: the params file\'s `model`.'),
    ('params_file', '',
     'ROS parameters YAML for the node. Empty: share/oneflow/config/policy.params.yaml.'),
    ('namespace', '',
     'ROS namespace for the node; relative topic names resolve inside it.'),
    ('node_name', 'oneflow_policy',
     'ROS node name.'),
    ('camera_topic', '',
     'sensor_msgs/Image input, subscribed with sensor-data QoS (best effort). '
     'Empty: the params file (default /camera/image_raw).'),
    ('joint_states_topic', '',
     'sensor_msgs/JointState input, reliable QoS. Empty: the params file (default /joint_states).'),
    ('object_pose_topic', '',
     'geometry_msgs/PoseStamped input for state policies, reliable QoS. '
     'Empty: the params file (default /object_pose).'),
    ('action_chunk_topic', '',
     'oneflow_msgs/ActionChunk output. Empty: the params file (default /oneflow/action_chunk).'),
    ('joint_trajectory_topic', '',
     'trajectory_msgs/JointTrajectory output, e.g. /<controller>/joint_trajectory of a '
     'JointTrajectoryController. Empty: the params file (default /oneflow/joint_trajectory).'),
    ('metrics_port', '',
     'TCP port of the Prometheus /metrics, /healthz and /readyz server; 0 turns it off. '
     'Empty: the params file (default 9464).'),
    ('log_level', 'info',
     'Log level of the node (pino JSON logs and the rcl logger): ' + ', '.join(LOG_LEVELS) + '. Always passed: '
     'it overrides log_level in the params file.'),
    ('use_sim_time', 'false',
     'Take time from /clock (true when playing a bag with `ros2 bag play --clock`).'),
]

# Launch arguments passed to the node as ROS parameters of the same name when non-empty.
PARAMETER_ARGUMENTS = [
    'model', 'camera_topic', 'joint_states_topic', 'object_pose_topic', 'action_chunk_topic',
    'joint_trajectory_topic', 'metrics_port', 'log_level',
]
INTEGER_PARAMETERS = {'metrics_port'}
CHOICES = {'log_level': LOG_LEVELS, 'use_sim_time': ['true', 'false']}


def share_directory():
    return get_package_share_directory(PACKAGE)


def resolve_model(path, share_dir, cwd=None):
    """An absolute path as is; a relative one against `cwd` if it exists there, else against share/oneflow."""
    if path == '' or os.path.isabs(path):
        return path
    cwd = os.getcwd() if cwd is None else cwd
    here = os.path.join(cwd, path)
    if os.path.exists(here):
        return os.path.abspath(here)
    return os.path.join(share_dir, path)


def parse_bool(text, name):
    lowered = text.strip().lower()
    if lowered in ('true', '1', 'yes'):
        return True
    if lowered in ('false', '0', 'no'):
        return False
    raise ValueError(f'{name}:={text!r} is not a boolean (true/false)')


def node_overrides(values, share_dir, cwd=None):
    """ROS parameter overrides from the launch argument values (strings): only the non-empty ones."""
    overrides = {}
    for name in PARAMETER_ARGUMENTS:
        value = values.get(name, '')
        if value == '':
            continue
        if name in INTEGER_PARAMETERS:
            try:
                value = int(value)
            except ValueError:
                raise ValueError(f'{name}:={value!r} is not an integer') from None
        if name == 'model':
            value = resolve_model(value, share_dir, cwd)
        if name == 'log_level' and value not in LOG_LEVELS:
            raise ValueError(f'log_level:={value!r} is not one of {LOG_LEVELS}')
        overrides[name] = value
    overrides['use_sim_time'] = parse_bool(values.get('use_sim_time', 'false'), 'use_sim_time')
    return overrides


def make_node(values, share_dir, cwd=None):
    params_file = values.get('params_file', '') or os.path.join(share_dir, 'config', 'policy.params.yaml')
    return Node(
        package=PACKAGE,
        executable=EXECUTABLE,
        name=values.get('node_name', 'oneflow_policy'),
        namespace=values.get('namespace', ''),
        parameters=[params_file, node_overrides(values, share_dir, cwd)],
        ros_arguments=['--log-level', values.get('log_level', 'info') or 'info'],
        output='screen',
        emulate_tty=True,
        # The node stops publishing and flushes metrics on SIGINT well inside launch's 5 s SIGTERM escalation.
        sigterm_timeout='5',
    )


def _launch_setup(context, *args, **kwargs):
    values = {name: LaunchConfiguration(name).perform(context) for name, _, _ in ARGUMENTS}
    return [make_node(values, share_directory())]


def generate_launch_description():
    declared = []
    for name, default, description in ARGUMENTS:
        extra = {'choices': CHOICES[name]} if name in CHOICES else {}
        declared.append(DeclareLaunchArgument(name, default_value=default, description=description, **extra))
    return LaunchDescription(declared + [OpaqueFunction(function=_launch_setup)])
