"""Generates grafana/dashboards/oneflow.json (the OneFlow node dashboard). Edit here, then run:

    python3 grafana/make_dashboard.py > grafana/dashboards/oneflow.json

test/grafana/dashboard.test.ts checks that the committed JSON is this script's output, and
make test-prometheus that every query returns data from a real Prometheus.
"""
import json

DS = {"type": "prometheus", "uid": "oneflow-prometheus"}
SEL = 'instance=~"$instance"'
panels = []
pid = [0]
def panel(type_, title, gridPos, targets, unit=None, description="", extra=None, fieldConfig=None):
    pid[0] += 1
    p = {"id": pid[0], "type": type_, "title": title, "description": description, "datasource": DS,
         "gridPos": dict(zip("hwxy", gridPos)),
         "targets": [dict(refId=chr(65 + i), datasource=DS, **t) for i, t in enumerate(targets)]}
    fc = fieldConfig or {"defaults": {}, "overrides": []}
    if unit:
        fc["defaults"]["unit"] = unit
    p["fieldConfig"] = fc
    if extra:
        p.update(extra)
    panels.append(p)
def q(expr, legend): return {"expr": expr, "legendFormat": legend, "range": True}
def quantiles(metric, qs=(0.5, 0.9, 0.99)):
    return [q(f'histogram_quantile({x}, sum by (le) (rate({metric}_bucket{{{SEL}}}[$__rate_interval])))', f"p{int(x*100)}") for x in qs]
def row(title, y):
    pid[0] += 1
    panels.append({"id": pid[0], "type": "row", "title": title, "collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})

state_mappings = [{"type": "value", "options": {
    "0": {"text": "RUNNING", "color": "green", "index": 0},
    "1": {"text": "DEGRADED", "color": "orange", "index": 1},
    "2": {"text": "SAFE", "color": "red", "index": 2}}}]

row("Health", 0)
panel("stat", "Watchdog state", (4, 6, 0, 1), [q(f'max(oneflow_watchdog_state{{{SEL}}})', "state")],
      description="0 RUNNING, 1 DEGRADED (executing the tail of an earlier chunk), 2 SAFE (holding). Max over instances.",
      fieldConfig={"defaults": {"mappings": state_mappings, "thresholds": {"mode": "absolute", "steps": [
          {"color": "green", "value": None}, {"color": "orange", "value": 1}, {"color": "red", "value": 2}]}}, "overrides": []},
      extra={"options": {"colorMode": "background", "graphMode": "none", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}})
panel("stat", "Tick rate", (4, 6, 6, 1), [q(f'sum(rate(oneflow_ticks_total{{{SEL}}}[$__rate_interval]))', "ticks/s")],
      unit="hz", description="Control ticks per second, all outcomes. Should equal control_rate_hz.",
      extra={"options": {"graphMode": "area", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}})
panel("stat", "Healthy ticks", (4, 6, 12, 1), [q(f'sum(rate(oneflow_ticks_total{{outcome="ok",{SEL}}}[$__rate_interval])) / sum(rate(oneflow_ticks_total{{{SEL}}}[$__rate_interval]))', "ok")],
      unit="percentunit", description="Fraction of ticks with outcome ok.",
      extra={"options": {"graphMode": "area", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}})
panel("stat", "Deadline misses (time range)", (4, 6, 18, 1), [q(f'sum(increase(oneflow_ticks_total{{outcome="deadline_miss",{SEL}}}[$__range]))', "misses")],
      unit="short", description="Ticks whose inference result was not back by the per-tick deadline, over the dashboard's time range.",
      fieldConfig={"defaults": {"decimals": 0, "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 1}]}}, "overrides": []},
      extra={"options": {"colorMode": "background", "graphMode": "none", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}})

row("Latency", 5)
panel("timeseries", "Inference latency", (8, 12, 0, 6), quantiles("oneflow_inference_duration_seconds"), unit="s",
      description="Wall time of one policy inference in the onnxruntime worker (histogram quantiles). Compare with the deadline (deadline_sec).")
panel("timeseries", "Tick latency (observation in → chunk out)", (8, 12, 12, 6), quantiles("oneflow_tick_duration_seconds"), unit="s",
      description="Processing time of one tick: observation assembly, inference, validation, publishing.")
panel("heatmap", "Inference latency distribution", (8, 12, 0, 14),
      [{"expr": f'sum by (le) (increase(oneflow_inference_duration_seconds_bucket{{{SEL}}}[$__rate_interval]))', "legendFormat": "{{le}}", "format": "heatmap", "range": True}],
      unit="s", description="Histogram buckets over time; a second mode at high latency means contention on the CPU.",
      extra={"options": {"calculate": False, "yAxis": {"unit": "s"}, "cellGap": 1, "color": {"mode": "scheme", "scheme": "Oranges"}}})
panel("timeseries", "Control period and jitter", (8, 12, 12, 14),
      quantiles("oneflow_control_period_seconds", (0.01, 0.5, 0.99)) + [
          q(f'histogram_quantile(0.99, sum by (le) (rate(oneflow_control_period_seconds_bucket{{{SEL}}}[$__rate_interval]))) - histogram_quantile(0.5, sum by (le) (rate(oneflow_control_period_seconds_bucket{{{SEL}}}[$__rate_interval])))', "period p99 − p50"),
          q(f'histogram_quantile(0.99, sum by (le) (rate(oneflow_tick_lateness_seconds_bucket{{{SEL}}}[$__rate_interval])))', "timer lateness p99 (live)")],
      unit="s", description="Time between consecutive scheduled ticks: p50 = 1/control_rate_hz; a skipped tick (the previous one still running) shows as a multiple of the period. Timer lateness (live node only, not in replay) is how late the ROS timer fired after the scheduled time: the jitter.")

row("Outcomes and watchdog", 22)
panel("timeseries", "Tick outcomes", (8, 12, 0, 23), [q(f'sum by (outcome) (rate(oneflow_ticks_total{{{SEL}}}[$__rate_interval]))', "{{outcome}}")],
      unit="hz", description="ok, stale_input, deadline_miss, invalid_output, error per second.",
      extra={"fieldConfig": {"defaults": {"unit": "hz", "custom": {"stacking": {"mode": "normal", "group": "A"}, "fillOpacity": 30}}, "overrides": []}})
panel("timeseries", "Deadline misses and fallbacks", (8, 12, 12, 23), [
          q(f'sum(rate(oneflow_ticks_total{{outcome="deadline_miss",{SEL}}}[$__rate_interval]))', "deadline_miss"),
          q(f'sum by (fallback) (rate(oneflow_chunks_published_total{{{SEL}}}[$__rate_interval]))', "published, fallback={{fallback}}")],
      unit="hz", description="Deadline misses per second, and published chunks split by fallback (tail of an earlier chunk or a hold).")
panel("state-timeline", "Watchdog state over time", (6, 12, 0, 31), [q(f'max by (instance) (oneflow_watchdog_state{{{SEL}}})', "{{instance}}")],
      description="RUNNING / DEGRADED / SAFE per instance.",
      fieldConfig={"defaults": {"mappings": state_mappings, "thresholds": {"mode": "absolute", "steps": [
          {"color": "green", "value": None}, {"color": "orange", "value": 1}, {"color": "red", "value": 2}]}}, "overrides": []})
panel("timeseries", "Watchdog transitions", (6, 12, 12, 31), [q(f'sum by (from, to) (increase(oneflow_watchdog_transitions_total{{{SEL}}}[$__rate_interval]))', "{{from}} → {{to}}")],
      unit="short", description="Transitions per rate interval; every one is also logged with its numbers.")

row("Inputs and runtime", 37)
panel("timeseries", "Observation age per source", (8, 12, 0, 38), [q(f'max by (source) (oneflow_observation_age_seconds{{{SEL}}})', "{{source}}")],
      unit="s", description="Age of the newest sample of each source at tick time. Above max_observation_age_sec the tick is stale_input.")
panel("timeseries", "Messages accepted / rejected", (8, 12, 12, 38), [
          q(f'sum by (source) (rate(oneflow_messages_total{{{SEL}}}[$__rate_interval]))', "{{source}} accepted"),
          q(f'sum by (source, reason) (rate(oneflow_messages_rejected_total{{{SEL}}}[$__rate_interval]))', "{{source}} rejected: {{reason}}")],
      unit="hz", description="Input message rates per source; rejections (bad encoding, size, NaN, missing joint) by reason.")
panel("timeseries", "Event-loop lag", (8, 24, 0, 46), [
          q(f'max(nodejs_eventloop_lag_p99_seconds{{{SEL}}})', "p99"),
          q(f'max(nodejs_eventloop_lag_seconds{{{SEL}}})', "current")],
      unit="s", description="Delay of the Node.js main loop, where every rclnodejs callback runs. Inference runs in a worker; lag here delays messages and ticks.")

dash = {
    "id": None, "uid": "oneflow-node", "title": "OneFlow policy node", "tags": ["oneflow", "ros2"],
    "description": "Latency, outcomes, watchdog and inputs of the OneFlow policy node (metrics from its /metrics endpoint).",
    "timezone": "browser", "editable": True, "graphTooltip": 1, "refresh": "5s", "schemaVersion": 39, "version": 1,
    "time": {"from": "now-15m", "to": "now"}, "timepicker": {}, "links": [], "fiscalYearStartMonth": 0, "liveNow": False,
    "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
                              "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"}]},
    "templating": {"list": [{"name": "instance", "label": "instance", "type": "query", "datasource": DS,
        "definition": "label_values(oneflow_ticks_total, instance)",
        "query": {"query": "label_values(oneflow_ticks_total, instance)", "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "refresh": 2, "includeAll": True, "multi": True, "allValue": ".+",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "sort": 1}]},
    "panels": panels,
}
print(json.dumps(dash, indent=2, ensure_ascii=False))
