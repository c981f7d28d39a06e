"""The OneFlow node on a live ROS 2 graph (issue 17), run by test/ros/live/run_live.sh with scripts/ros-env.sh sourced.

The node is started as launch/policy.launch.py starts it: the installed launcher lib/oneflow/policy_node (a prefix laid
out as CMakeLists.txt installs it), `--ros-args -r __node:=oneflow_policy --params-file config/policy.params.yaml
--params-file <launch_ros-style file keyed /oneflow_policy:>` plus plain `-p`. rclpy publishes /joint_states and
/object_pose from a fixture bag at the bag's timing (stamps moved to now), records /oneflow/action_chunk and
/oneflow/joint_trajectory, stops publishing (watchdog → SAFE, hold) and resumes (→ RUNNING), reads the parameters
through the node's parameter services, scrapes /metrics /healthz /readyz and stops the node with SIGINT.
"""

import base64
import json
import math
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import QoSProfile, ReliabilityPolicy, HistoryPolicy
from rcl_interfaces.srv import GetParameters
from geometry_msgs.msg import PoseStamped
from sensor_msgs.msg import JointState
from trajectory_msgs.msg import JointTrajectory
from oneflow_msgs.msg import ActionChunk

REPO = sys.argv[1]
MODEL = os.path.join(REPO, 'models', 'pusht_keypoints_student_cpu_onestep.onnx')
BAG = os.path.join(REPO, 'test', 'fixtures', 'bags', 'pusht_ep018')
RATE_HZ = 10.0
FAILURES = []


def check(ok, what):
    print(('PASS ' if ok else 'FAIL ') + what, flush=True)
    if not ok:
        FAILURES.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def http(port, path):
    try:
        with urllib.request.urlopen(f'http://127.0.0.1:{port}{path}', timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, OSError) as e:
        return None, str(e)


def install_prefix(root):
    """lib/oneflow/policy_node + share/oneflow/{dist/src,package.json,node_modules} as CMakeLists.txt installs them;
    node_modules holds the main install's packages plus rclnodejs from .ros/node (built against this ROS)."""
    os.makedirs(os.path.join(root, 'lib', 'oneflow'))
    share = os.path.join(root, 'share', 'oneflow')
    shutil.copytree(os.path.join(REPO, 'dist', 'src'), os.path.join(share, 'dist', 'src'))
    shutil.copy(os.path.join(REPO, 'package.json'), share)
    schema = os.path.join('training', 'oneflow_train', 'policy_metadata.schema.json')  # the model contract's schema
    os.makedirs(os.path.dirname(os.path.join(share, schema)))
    shutil.copy(os.path.join(REPO, schema), os.path.join(share, schema))
    shutil.copy(os.path.join(REPO, 'scripts', 'policy_node'), os.path.join(root, 'lib', 'oneflow', 'policy_node'))
    modules = os.path.join(share, 'node_modules')
    os.makedirs(modules)
    main_modules = os.path.join(REPO, 'node_modules')
    for name in os.listdir(main_modules):
        if name != 'rclnodejs':
            os.symlink(os.path.join(main_modules, name), os.path.join(modules, name))
    os.symlink(os.path.join(os.environ['ONEFLOW_RCLNODEJS_DIR'], 'rclnodejs'), os.path.join(modules, 'rclnodejs'))
    return os.path.join(root, 'lib', 'oneflow', 'policy_node')


def bag_messages():
    out = subprocess.run(['node', os.path.join(REPO, 'test', 'ros', 'live', 'dump_bag.mjs'), BAG, '/joint_states',
                          '/object_pose'], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def restamp(cdr, stamp_ns):
    """Header-first message (JointState, PoseStamped): the stamp follows the 4-byte CDR encapsulation header."""
    return cdr[:4] + struct.pack('<iI', stamp_ns // 10**9, stamp_ns % 10**9) + cdr[12:]


class Probe:
    def __init__(self, node):
        self.node = node
        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST)
        self.pubs = {'/joint_states': node.create_publisher(JointState, '/joint_states', reliable),
                     '/object_pose': node.create_publisher(PoseStamped, '/object_pose', reliable)}
        self.chunks = []       # (wall receive time s, ActionChunk)
        self.trajectories = []
        self.lock = threading.Lock()
        node.create_subscription(ActionChunk, '/oneflow/action_chunk', self.on_chunk, reliable)
        node.create_subscription(JointTrajectory, '/oneflow/joint_trajectory', self.on_trajectory, reliable)

    def on_chunk(self, msg):
        with self.lock:
            self.chunks.append((time.monotonic(), msg))

    def on_trajectory(self, msg):
        with self.lock:
            self.trajectories.append((time.monotonic(), msg))

    def matched(self):
        return (all(p.get_subscription_count() > 0 for p in self.pubs.values())
                and self.node.count_publishers('/oneflow/action_chunk') > 0)

    def play(self, messages, seconds):
        """Publishes the bag's messages at their log-time spacing (stamps = now), looping, for `seconds`."""
        t0_bag = int(messages[0]['logTimeNs'])
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            loop_start = time.monotonic()
            for m in messages:
                due = loop_start + (int(m['logTimeNs']) - t0_bag) / 1e9
                while time.monotonic() < due:
                    time.sleep(min(0.002, max(0.0, due - time.monotonic())))
                if time.monotonic() - start >= seconds:
                    return
                now_ns = time.time_ns()
                self.pubs[m['topic']].publish(restamp(base64.b64decode(m['data']), now_ns))

    def since(self, t):
        with self.lock:
            return [m for (r, m) in self.chunks if r >= t], [m for (r, m) in self.trajectories if r >= t]


def main():
    messages = bag_messages()
    check(len(messages) > 50, f'fixture bag has joint_states/object_pose messages ({len(messages)})')
    card = json.load(open(MODEL.replace('.onnx', '.card.json')))
    low, high = card['metadata']['action']['low'], card['metadata']['action']['high']
    port = free_port()
    tmp = tempfile.mkdtemp(prefix='oneflow-live-')
    executable = install_prefix(os.path.join(tmp, 'prefix'))
    launch_params = os.path.join(tmp, 'launch_params_oneflow')
    with open(launch_params, 'w') as f:  # what launch_ros writes for policy.launch.py's dict of overrides
        f.write(f'/oneflow_policy:\n  ros__parameters:\n    model: {MODEL}\n    metrics_port: {port}\n'
                f'    log_level: info\n    use_sim_time: false\n')
    argv = [executable, '--ros-args', '--log-level', 'info', '--ros-args', '-r', '__node:=oneflow_policy',
            '--params-file', os.path.join(REPO, 'config', 'policy.params.yaml'), '--params-file', launch_params,
            '-p', 'warmup_runs:=2', '-p', 'noise_seed:=7']
    log = open(os.path.join(tmp, 'node.log'), 'w')
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    rclpy.init()
    node = rclpy.create_node('oneflow_live_probe')
    probe = Probe(node)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    try:
        deadline = time.monotonic() + 60
        while not probe.matched() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        check(proc.poll() is None, 'node is running (params from the /oneflow_policy: launch key)')
        check(probe.matched(), 'publishers and subscribers matched')

        # 1. Running on live input at the control rate.
        probe.play(messages, 2.0)  # warm-up: observations fill, watchdog reaches RUNNING
        t_run = time.monotonic()
        probe.play(messages, 6.0)
        chunks, trajectories = probe.since(t_run)
        rate = len(chunks) / (time.monotonic() - t_run)
        check(abs(rate - RATE_HZ) <= 0.1 * RATE_HZ, f'action chunks at {rate:.2f} Hz (control rate {RATE_HZ} Hz ±10 %)')
        check(abs(len(trajectories) - len(chunks)) <= 2, f'one trajectory per chunk ({len(trajectories)} vs {len(chunks)})')
        running = [c for c in chunks if c.watchdog_state == ActionChunk.RUNNING and not c.fallback]
        check(len(running) >= 0.9 * len(chunks), f'{len(running)}/{len(chunks)} chunks fresh and RUNNING')
        dims = len(low)
        finite = all(math.isfinite(v) for c in chunks for v in c.data)
        inside = all(low[i % dims] <= v <= high[i % dims] for c in chunks for i, v in enumerate(c.data))
        check(finite and inside, f'every action finite and within the model bounds {low}..{high}')
        check(all(list(c.names) == ['agent_x', 'agent_y'] for c in chunks), 'chunk names are the model\'s')
        status, _ = http(port, '/readyz')
        check(status == 200, f'/readyz 200 while RUNNING (got {status})')
        status, _ = http(port, '/healthz')
        check(status == 200, f'/healthz 200 (got {status})')
        status, text = http(port, '/metrics')
        check(status == 200 and 'oneflow_ticks_total{outcome="ok"}' in text, '/metrics serves oneflow_ticks_total')

        # 2. Parameters through the node's parameter services (what `ros2 param get` uses).
        client = node.create_client(GetParameters, '/oneflow_policy/get_parameters')
        check(client.wait_for_service(timeout_sec=10), 'parameter service /oneflow_policy/get_parameters')
        request = GetParameters.Request(names=['model', 'metrics_port', 'control_rate_hz', 'noise_seed', 'warmup_runs'])
        future = client.call_async(request)
        end = time.monotonic() + 10
        while not future.done() and time.monotonic() < end:
            time.sleep(0.05)
        values = future.result().values if future.done() else []
        got = [(v.string_value, v.integer_value, v.double_value) for v in values]
        check(len(got) == 5 and got[0][0] == MODEL and got[1][1] == port and got[2][2] == 10.0 and got[3][1] == 7
              and got[4][1] == 2, f'parameters: launch key (model, metrics_port), /** file (control_rate_hz), -p: {got}')

        # 3. Publishers stop: the watchdog goes SAFE and a hold is published; they resume: RUNNING again.
        time.sleep(2.5)
        stalled, _ = probe.since(time.monotonic() - 0.5)
        check(len(stalled) > 0 and all(c.watchdog_state == ActionChunk.SAFE and c.fallback for c in stalled),
              f'inputs stopped: SAFE holds still published at the rate ({[c.watchdog_state for c in stalled]})')
        status, _ = http(port, '/readyz')
        check(status == 503, f'/readyz 503 in SAFE (got {status})')
        t_resume = time.monotonic()
        probe.play(messages, 2.5)
        resumed, _ = probe.since(t_resume)
        check(any(c.watchdog_state == ActionChunk.RUNNING and not c.fallback for c in resumed[-5:]),
              'inputs resumed: RUNNING with fresh chunks')

        # 4. SIGINT twice (terminal + launch), as Ctrl-C under ros2 launch: one hold, clean exit 0.
        t_stop = time.monotonic()
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = None
        check(code == 0, f'SIGINT twice: node exits 0 (got {code})')
        time.sleep(0.5)
        after, _ = probe.since(t_stop)
        check(len(after) >= 1 and after[-1].fallback, f'a hold was the last chunk published on stop ({len(after)} after SIGINT)')
    finally:
        if proc.poll() is None:
            proc.kill()
        executor.shutdown()
        rclpy.try_shutdown()
        log.close()
        if FAILURES:
            print('---- node log (tail) ----')
            print(''.join(open(os.path.join(tmp, 'node.log')).readlines()[-40:]))
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'live test: {len(FAILURES)} failure(s)')
    sys.exit(1 if FAILURES else 0)


if __name__ == '__main__':
    main()
