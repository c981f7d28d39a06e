"""Demo on a ROS 2 host without a robot: play a recorded bag into the OneFlow policy node.

    ros2 launch oneflow bag_demo.launch.py bag:=/path/to/episode.mcap [model:=models/<name>.onnx] [rate:=1.0]
    ros2 topic echo /oneflow/action_chunk          # in another shell
    curl -s localhost:9464/metrics | grep oneflow_  # latency histograms, outcomes, watchdog state

`ros2 bag play --clock` publishes /clock from the bag's log times and the node runs with use_sim_time:=true, so its
observation-age checks compare the recorded header stamps with bag time, not wall time. Every policy.launch.py
argument is accepted here too and passed through (topics, metrics_port, log_level, params_file, ...).
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess, IncludeLaunchDescription, OpaqueFunction, TimerAction
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration

PACKAGE = 'oneflow'

# Arguments of this file; the policy.launch.py ones are forwarded (see POLICY_ARGUMENTS).
ARGUMENTS = [
    ('bag', '',
     'rosbag2 to play: a .mcap file or a bag directory with metadata.yaml (required). Expected topics: '
     '/camera/image_raw, /joint_states, /object_pose (state policies), optionally /teleop/action.'),
    ('rate', '1.0', 'Playback rate multiplier passed to `ros2 bag play --rate`.'),
    ('clock_hz', '100', 'Rate at which `ros2 bag play --clock` publishes /clock.'),
    ('start_delay_sec', '2.0', 'Seconds to wait after starting the node before playing (model load and warm-up).'),
    ('loop', 'false', 'Loop the bag (`--loop`). Bag time jumps back at each loop; the watchdog will see stale '
                      'input for a moment.'),
]

# Forwarded to policy.launch.py with these defaults (use_sim_time on: the bag drives the clock).
POLICY_ARGUMENTS = [
    ('model', ''), ('params_file', ''), ('namespace', ''), ('node_name', 'oneflow_policy'),
    ('camera_topic', ''), ('joint_states_topic', ''), ('object_pose_topic', ''),
    ('action_chunk_topic', ''), ('joint_trajectory_topic', ''), ('metrics_port', ''),
    ('log_level', 'info'), ('use_sim_time', 'true'),
]


def bag_play_command(bag, rate, clock_hz, loop):
    """The `ros2 bag play` command line for the given argument values (strings)."""
    if bag == '':
        raise ValueError('bag:= is required (a .mcap file or a bag directory)')
    if not os.path.exists(bag):
        raise ValueError(f'bag:={bag!r} does not exist')
    cmd = ['ros2', 'bag', 'play', bag, '--rate', str(float(rate)), '--clock', str(int(float(clock_hz))),
           '--disable-keyboard-controls']
    if loop.strip().lower() in ('true', '1', 'yes'):
        cmd.append('--loop')
    return cmd


def _launch_setup(context, *args, **kwargs):
    value = lambda name: LaunchConfiguration(name).perform(context)  # noqa: E731
    cmd = bag_play_command(value('bag'), value('rate'), value('clock_hz'), value('loop'))
    play = ExecuteProcess(cmd=cmd, output='screen', name='bag_play')
    return [TimerAction(period=float(value('start_delay_sec')), actions=[play])]


def generate_launch_description():
    share = get_package_share_directory(PACKAGE)
    declared = [DeclareLaunchArgument(name, default_value=default, description=description)
                for name, default, description in ARGUMENTS]
    declared += [DeclareLaunchArgument(name, default_value=default,
                                       description='Passed to policy.launch.py (see its --show-args).')
                 for name, default in POLICY_ARGUMENTS]
    policy = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(os.path.join(share, 'launch', 'policy.launch.py')),
        launch_arguments={name: LaunchConfiguration(name) for name, _ in POLICY_ARGUMENTS}.items(),
    )
    return LaunchDescription(declared + [policy, OpaqueFunction(function=_launch_setup)])
