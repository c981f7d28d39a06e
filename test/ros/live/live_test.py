"""The OneFlow node on a live ROS 2 graph (issue 17), run by test/ros/live/run_live.sh with scripts/ros-env.sh sourced.

The node is started as launch/policy.launch.py starts it: the installed launcher lib/oneflow/policy_node (a prefix laid
out as CMakeLists.txt installs it), `--ros-args -r __node:=oneflow_policy --params-file config/policy.params.yaml
--params-file <launch_ros-style file keyed /oneflow_policy:>` plus plain `-p`. rclpy publishes /joint_states and
/object_pose from a fixture bag at the bag's timing (stamps moved to now), records /oneflow/action_chunk and
/oneflow/joint_trajectory, stops publishing (watchdog → SAFE, hold) and resumes (→ RUNNING), reads the parameters
through the node's parameter services, scrapes /metrics /healthz /readyz and stops the node with SIGINT twice; a second
node is started and stopped with SIGTERM.

Chunk contents: a fresh chunk is a function of the model, the noise seed and the observation window at its t_obs
(header.stamp; the noise index is keyed to it, docs/node.md §6), so timing only decides which windows the node infers
on. The probe records every message it published (messages logged together in the bag share one stamp, groups at
least one bag step apart) and every chunk it received; the test then writes the inputs into a bag and checks each
fresh chunk of the running phases (a) against `oneflow replay` of that bag at 50 Hz (every window visited) — rows of
equal model index and equal t_obs, ≤ 1e-5 — and (b) against onnxruntime in Python fed observations rebuilt
independently from the bag (oneflow_train.replay_parity, ≤ 1e-5). Neither depends on when a tick ran.
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
from geometry_msgs.msg import PoseStamped
from oneflow_msgs.msg import ActionChunk
from rcl_interfaces.srv import GetParameters
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import JointState
from trajectory_msgs.msg import JointTrajectory

REPO = sys.argv[1]
MODEL = os.path.join(REPO, 'models', 'pusht_keypoints_student_cpu_onestep.onnx')
BAG = os.path.join(REPO, 'test', 'fixtures', 'bags', 'pusht_ep018')
RATE_HZ = 10.0
SEED = 7
REPLAY_RATE_HZ = 50.0  # replay ticks 5 times per bag step: every observation window the live node saw is visited
TOLERANCE = 1e-5       # action units (Push-T px)
TYPES = {'/joint_states': 'sensor_msgs/msg/JointState', '/object_pose': 'geometry_msgs/msg/PoseStamped',
         '/oneflow/action_chunk': 'oneflow_msgs/msg/ActionChunk'}
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


def dump_bag(path, *topics):
    out = subprocess.run(['node', os.path.join(REPO, 'test', 'ros', 'live', 'dump_bag.mjs'), path, *topics],
                         check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines()]


def bag_messages():
    return dump_bag(BAG, '/joint_states', '/object_pose')


def write_bag(path, records):
    """records: (topic, log time ns, CDR bytes) → a rosbag2 MCAP bag written by the project's own writer."""
    lines = path + '.jsonl'
    with open(lines, 'w') as f:
        for topic, t_ns, data in records:
            f.write(json.dumps({'topic': topic, 'type': TYPES[topic], 'logTimeNs': str(t_ns),
                                'data': base64.b64encode(bytes(data)).decode()}) + '\n')
    subprocess.run(['node', os.path.join(REPO, 'test', 'ros', 'live', 'write_bag.mjs'), path, lines], check=True,
                   capture_output=True, text=True)


def restamp(cdr, stamp_ns):
    """Header-first message (JointState, PoseStamped): the stamp follows the 4-byte CDR encapsulation header."""
    return cdr[:4] + struct.pack('<iI', stamp_ns // 10**9, stamp_ns % 10**9) + cdr[12:]


def stamp_of(msg):
    return msg.header.stamp.sec * 10**9 + msg.header.stamp.nanosec


class Probe:
    def __init__(self, node, messages):
        self.node = node
        reliable = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST)
        self.pubs = {'/joint_states': node.create_publisher(JointState, '/joint_states', reliable),
                     '/object_pose': node.create_publisher(PoseStamped, '/object_pose', reliable)}
        # The bag as groups of messages logged together, offsets from its first log time; a loop lasts one bag step
        # more than the bag, so consecutive groups are always at least one step apart.
        t0 = int(messages[0]['logTimeNs'])
        self.groups = []
        for m in messages:
            offset = int(m['logTimeNs']) - t0
            if not self.groups or self.groups[-1][0] != offset:
                self.groups.append((offset, []))
            self.groups[-1][1].append((m['topic'], base64.b64decode(m['data'])))
        self.step_ns = min(b[0] - a[0] for a, b in zip(self.groups, self.groups[1:]))
        self.loop_ns = self.groups[-1][0] + self.step_ns
        self.next_stamp_ns = 0
        self.published = []    # (topic, stamp ns, CDR as published)
        self.chunks = []       # (wall receive time s, CDR, ActionChunk)
        self.trajectories = []
        self.lock = threading.Lock()
        node.create_subscription(ActionChunk, '/oneflow/action_chunk', self.on_chunk, reliable, raw=True)
        node.create_subscription(JointTrajectory, '/oneflow/joint_trajectory', self.on_trajectory, reliable)

    def on_chunk(self, data):
        with self.lock:
            self.chunks.append((time.monotonic(), bytes(data), deserialize_message(bytes(data), ActionChunk)))

    def on_trajectory(self, msg):
        with self.lock:
            self.trajectories.append((time.monotonic(), msg))

    def matched(self):
        return (all(p.get_subscription_count() > 0 for p in self.pubs.values())
                and self.node.count_publishers('/oneflow/action_chunk') > 0)

    def play(self, seconds):
        """Publishes the bag's messages at their log-time spacing, looping, for `seconds`. A group's messages share
        one stamp, its planned wall time (the bag's pairing kept; a late publish keeps its planned stamp); the first
        group is at least one bag step after the last one of an earlier play."""
        base = max(time.time_ns(), self.next_stamp_ns)
        end = base + int(seconds * 1e9)
        i = 0
        while True:
            loop, g = divmod(i, len(self.groups))
            offset, group = self.groups[g]
            stamp_ns = base + loop * self.loop_ns + offset
            if stamp_ns >= end:
                return
            while time.time_ns() < stamp_ns:
                time.sleep(min(0.002, max(0.0, (stamp_ns - time.time_ns()) / 1e9)))
            for topic, cdr in group:
                data = restamp(cdr, stamp_ns)
                self.pubs[topic].publish(data)
                self.published.append((topic, stamp_ns, data))
            self.next_stamp_ns = stamp_ns + self.step_ns
            i += 1

    def since(self, t):
        with self.lock:
            return [m for (r, _, m) in self.chunks if r >= t], [m for (r, m) in self.trajectories if r >= t]

    def raw_between(self, t0, t1):
        with self.lock:
            return [(r, d, m) for (r, d, m) in self.chunks if t0 <= r < t1]


def model_rows(chunk, meta_offset, horizon):
    """Model output row index of each published row (the chunk's first_step_offset counts the dropped rows; a
    single row past the horizon is the last row sent a step later, docs/node.md §3)."""
    k0 = chunk.first_step_offset - meta_offset
    if chunk.horizon == 1 and k0 + 1 > horizon:
        return [horizon - 1]
    return list(range(k0, k0 + chunk.horizon))


def rows_by_model_index(chunk, meta_offset, horizon, dims):
    return {k: list(chunk.data[r * dims:(r + 1) * dims]) for r, k in enumerate(model_rows(chunk, meta_offset, horizon))}


def check_chunk_contents(tmp, probe, recorded, card):
    """Each fresh recorded chunk = `oneflow replay` of the published inputs (same t_obs, same model rows) and =
    onnxruntime in Python on observations rebuilt from them, both ≤ TOLERANCE; see the module docstring."""
    meta = card['metadata']
    meta_offset, horizon, dims = meta['action']['first_step_offset'], meta['action']['horizon'], len(meta['action']['low'])
    fresh = [(r, d, c) for (r, d, c) in recorded if not c.fallback]
    inputs = os.path.join(tmp, 'inputs')
    write_bag(inputs, [(topic, stamp, data) for topic, stamp, data in probe.published])  # log time = stamp
    live = os.path.join(tmp, 'live_chunks')
    write_bag(live, [('/oneflow/action_chunk', int(r * 1e9), d) for (r, d, _) in fresh])

    # (a) oneflow replay of the same inputs, same model and seed, ticking at REPLAY_RATE_HZ.
    out = os.path.join(tmp, 'replay')
    cmd = ['node', os.path.join(REPO, 'dist', 'src', 'cli.js'), 'replay', inputs, '--model', MODEL, '--seed', str(SEED),
           '--param', f'control_rate_hz={REPLAY_RATE_HZ}', '--no-deadline', '--json', '--out', out]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    check(run.returncode == 0, f'oneflow replay of the recorded inputs (exit {run.returncode}) {run.stderr[-400:]}')
    replayed = {}
    if run.returncode == 0:
        for m in dump_bag(out, '/oneflow/action_chunk'):
            c = deserialize_message(base64.b64decode(m['data']), ActionChunk)
            if not c.fallback:
                replayed.setdefault(stamp_of(c), {}).update(rows_by_model_index(c, meta_offset, horizon, dims))
    last_input_ns = max(stamp for _, stamp, _ in probe.published)
    # The bag ends at its last input, so replay has no tick on that final window: (b) covers those chunks.
    comparable = [c for (_, _, c) in fresh if stamp_of(c) < last_input_ns]
    unmatched, worst, rows = [], 0.0, 0
    for c in comparable:
        want = replayed.get(stamp_of(c), {})
        for k, row in rows_by_model_index(c, meta_offset, horizon, dims).items():
            if k not in want:
                unmatched.append((stamp_of(c), k))
                continue
            worst = max(worst, max(abs(a - b) for a, b in zip(row, want[k])))
            rows += 1
    check(len(comparable) >= 50 and not unmatched and worst <= TOLERANCE,
          f'{len(comparable)} fresh chunks ({rows} rows) = oneflow replay of the same inputs and seed: '
          f'max |live − replay| = {worst:.3g} (limit {TOLERANCE}); rows without a replayed twin: {unmatched[:5]}')

    # (b) onnxruntime in Python, observations rebuilt independently from the input bag, noise of each chunk's t_obs.
    env = {k: v for k, v in os.environ.items() if k not in ('LD_PRELOAD', 'PYTHONPATH', 'LD_LIBRARY_PATH')}
    env['PYTHONPATH'] = os.path.join(REPO, 'training')
    py = subprocess.run([os.path.join(REPO, '.venv', 'bin', 'python'), '-m', 'oneflow_train.replay_parity', inputs, live,
                         MODEL, str(SEED)], capture_output=True, text=True, env=env, cwd=REPO)
    report = json.loads(py.stdout) if py.returncode == 0 else {}
    check(report.get('chunks_compared') == len(fresh) and report.get('max_abs_diff', 1.0) <= TOLERANCE,
          f'{len(fresh)} fresh chunks = onnxruntime in Python on the rebuilt observations: {report or py.stderr[-400:]}')


def start_node(executable, tmp, port, name):
    launch_params = os.path.join(tmp, f'launch_params_{name}')
    with open(launch_params, 'w') as f:  # what launch_ros writes for policy.launch.py's dict of overrides
        f.write(f'/oneflow_policy:\n  ros__parameters:\n    model: {MODEL}\n    metrics_port: {port}\n'
                f'    log_level: info\n    use_sim_time: false\n')
    argv = [executable, '--ros-args', '--log-level', 'info', '--ros-args', '-r', '__node:=oneflow_policy',
            '--params-file', os.path.join(REPO, 'config', 'policy.params.yaml'), '--params-file', launch_params,
            '-p', 'warmup_runs:=2', '-p', f'noise_seed:={SEED}']
    log = open(os.path.join(tmp, f'{name}.log'), 'w')
    return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True), log


def wait_matched(probe, proc, seconds=60):
    deadline = time.monotonic() + seconds
    while not probe.matched() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    return probe.matched()


def stopped_with_hold(probe, proc, t_stop, what):
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        code = None
    check(code == 0, f'{what}: node exits 0 (got {code})')
    time.sleep(0.5)
    after, _ = probe.since(t_stop)
    check(len(after) >= 1 and after[-1].fallback, f'{what}: a hold was the last chunk published on stop ({len(after)} after)')


def main():
    messages = bag_messages()
    check(len(messages) > 50, f'fixture bag has joint_states/object_pose messages ({len(messages)})')
    card = json.load(open(MODEL.replace('.onnx', '.card.json')))
    low, high = card['metadata']['action']['low'], card['metadata']['action']['high']
    port = free_port()
    tmp = tempfile.mkdtemp(prefix='oneflow-live-')
    executable = install_prefix(os.path.join(tmp, 'prefix'))
    proc, log = start_node(executable, tmp, port, 'node')
    procs = [proc]
    rclpy.init()
    node = rclpy.create_node('oneflow_live_probe')
    probe = Probe(node, messages)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    try:
        matched = wait_matched(probe, proc)
        check(proc.poll() is None, 'node is running (params from the /oneflow_policy: launch key)')
        check(matched, 'publishers and subscribers matched')

        # 1. Running on live input at the control rate.
        probe.play(2.0)  # warm-up: observations fill, watchdog reaches RUNNING
        t_run = time.monotonic()
        probe.play(6.0)
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
        check(len(got) == 5 and got[0][0] == MODEL and got[1][1] == port and got[2][2] == 10.0 and got[3][1] == SEED
              and got[4][1] == 2, f'parameters: launch key (model, metrics_port), /** file (control_rate_hz), -p: {got}')

        # 3. Publishers stop: the watchdog goes SAFE and a hold is published; they resume: RUNNING again.
        time.sleep(2.5)
        stalled, _ = probe.since(time.monotonic() - 0.5)
        check(len(stalled) > 0 and all(c.watchdog_state == ActionChunk.SAFE and c.fallback for c in stalled),
              f'inputs stopped: SAFE holds still published at the rate ({[c.watchdog_state for c in stalled]})')
        status, _ = http(port, '/readyz')
        check(status == 503, f'/readyz 503 in SAFE (got {status})')
        t_resume = time.monotonic()
        probe.play(2.5)
        resumed, _ = probe.since(t_resume)
        check(any(c.watchdog_state == ActionChunk.RUNNING and not c.fallback for c in resumed[-5:]),
              'inputs resumed: RUNNING with fresh chunks')

        # 4. SIGINT twice (terminal + launch), as Ctrl-C under ros2 launch: one hold, clean exit 0.
        t_stop = time.monotonic()
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stopped_with_hold(probe, proc, t_stop, 'SIGINT twice')

        # 5. Chunk contents of the running phases (after the warm-up) against replay and Python, off line.
        check_chunk_contents(tmp, probe, probe.raw_between(t_run, t_stop), card)

        # 6. SIGTERM (docker stop, systemd, ros2 launch's escalation) to a second node: one hold, clean exit 0.
        proc, log2 = start_node(executable, tmp, free_port(), 'node_sigterm')
        procs.append(proc)
        log.close()
        log = log2
        check(wait_matched(probe, proc), 'second node matched')
        t_second = time.monotonic()
        probe.play(2.0)
        fresh = [c for c in probe.since(t_second)[0] if not c.fallback]
        check(len(fresh) > 0, f'second node publishes fresh chunks ({len(fresh)})')
        t_stop = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        stopped_with_hold(probe, proc, t_stop, 'SIGTERM')
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        executor.shutdown()
        rclpy.try_shutdown()
        log.close()
        if FAILURES:
            for name in ('node.log', 'node_sigterm.log'):
                path = os.path.join(tmp, name)
                if os.path.exists(path):
                    print(f'---- {name} (tail) ----')
                    print(''.join(open(path).readlines()[-40:]))
        shutil.rmtree(tmp, ignore_errors=True)
    print(f'live test: {len(FAILURES)} failure(s)')
    sys.exit(1 if FAILURES else 0)


if __name__ == '__main__':
    main()
