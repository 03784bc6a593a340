#!/usr/bin/env python3
# gen_workflow.py: a WorkflowQueryResponse with N tasks, each shaped as the recorded one.
"""Usage: gen_workflow.py query TEMPLATE.json NTASKS STATUS NAME > OUT.json
       gen_workflow.py spec NTASKS NAME COMMAND... > OUT.yaml

query: every task is a copy of the template's first running non-lead task (all its keys, URLs and
times), renamed; groups of 100 tasks in a chain, the first task of each the lead. STATUS
RUNNING: the first 40 % of groups COMPLETED, the next one RUNNING, the rest WAITING;
COMPLETED: all of them. Compact separators, as the service's JSON responses are sent.
spec: the same groups and tasks as a spec whose every task runs COMMAND, groups independent
(so osmo-local runs them all at once, as far as its slots go).
"""
import copy
import hashlib
import json
import sys

GROUP = 100


def uid(*parts):
    return hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()


def task_of(tmpl, wf, uuid, name, retry, status, lead):
    t = copy.deepcopy(tmpl)
    tu = uid(wf, name)
    pod = f"{uuid[:16]}-{tu[:16]}"
    base = f"https://osmo.example.com/api/workflow/{wf}"
    t.update(name=name, retry_id=retry, status=status, lead=lead, task_uuid=tu, pod_name=pod)
    t["logs"] = f"{base}/logs?last_n_lines=1000&task_name={name}&retry_id={retry}"
    t["events"] = f"{base}/events?task_name={name}&retry_id={retry}"
    t["dashboard_url"] = (f"https://k8s-dashboard.example.com/#/pod/osmo-workflows/{pod}"
                          "?namespace=osmo-workflows")
    t["node_name"] = f"gb200-node-{int(tu[:4], 16) % 512:04d}"
    t["pod_ip"] = f"10.42.{int(tu[4:6], 16)}.{int(tu[6:8], 16)}"
    if status == "COMPLETED":
        t.update(exit_code=0, end_time="2026-08-18T14:29:02.775410",
                 output_upload_start_time="2026-08-18T14:28:51.330917")
    elif status == "WAITING":
        for k in ("processing_start_time", "scheduling_start_time",
                  "initializing_start_time", "start_time", "input_download_start_time",
                  "input_download_end_time", "pod_ip", "node_name"):
            t[k] = None
    return t


def spec(n, wf, command):
    out = ["workflow:", f"  name: {wf}", "  groups:"]
    for gi in range((n + GROUP - 1) // GROUP):
        out += [f"  - name: shard-{gi:04d}", "    tasks:"]
        for ti in range(min(GROUP, n - gi * GROUP)):
            out += [f"    - name: shard-{gi:04d}-w{ti:03d}", "      image: ubuntu:24.04",
                    f"      command: {json.dumps(command)}"]
            if ti == 0:
                out.append("      lead: true")
    print("\n".join(out))


def query(src, n, status, wf):
    d = json.load(open(src))
    tmpl = next(t for g in d["groups"] for t in g["tasks"] if not t["lead"])
    gtmpl = {k: v for k, v in d["groups"][1].items() if k != "tasks"}
    uuid = uid(wf)
    ngroups = (n + GROUP - 1) // GROUP
    done = ngroups if status == "COMPLETED" else ngroups * 4 // 10
    groups = []
    for gi in range(ngroups):
        gstatus = "COMPLETED" if gi < done else "RUNNING" if gi == done else "WAITING"
        gname = f"shard-{gi:04d}"
        g = copy.deepcopy(gtmpl)
        g.update(name=gname, status=gstatus,
                 remaining_upstream_groups=[f"shard-{gi - 1:04d}"] if gi > done else [],
                 downstream_groups=[f"shard-{gi + 1:04d}"] if gi + 1 < ngroups else [])
        if gstatus == "COMPLETED":
            g["end_time"] = "2026-08-18T14:29:02.775410"
        tasks = []
        for ti in range(min(GROUP, n - gi * GROUP)):
            retry = 1 if ti % 37 == 5 else 0
            tasks.append(task_of(tmpl, wf, uuid, f"{gname}-w{ti:03d}", retry, gstatus, ti == 0))
        g["tasks"] = tasks
        groups.append(g)
    d.update(name=wf, uuid=uuid, status=status, groups=groups)
    d["overview"] = f"https://osmo.example.com/workflows/{wf}"
    for k in ("spec", "template_spec", "logs", "events"):
        d[k] = d[k].replace("llm-finetune-17", wf)
    if status == "COMPLETED":
        d["end_time"] = "2026-08-18T14:29:02.775410"
    json.dump(d, sys.stdout, separators=(",", ":"))


def main():
    a = sys.argv[1:]
    if len(a) == 5 and a[0] == "query":
        query(a[1], int(a[2]), a[3], a[4])
    elif len(a) >= 4 and a[0] == "spec":
        spec(int(a[1]), a[2], a[3:])
    else:
        sys.exit(__doc__)


main()
