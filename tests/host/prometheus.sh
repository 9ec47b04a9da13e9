#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pwrmig's Prometheus rules, and a real Prometheus server (Debian's) on
# pwrmigd: promtool checks the shipped rules and runs their unit tests;
# then a Prometheus scrapes a module-less pwrmigd with those rules loaded
# and answers, through its HTTP API, a PromQL query of per-cgroup power
# for a cgroup that spins and one that sleeps.
source "$(dirname "$0")/../lib.sh"
cd "$T_TOP" || exit 1
rules=$T_TOP/data/prometheus/pwrmig.rules.yml
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
pids=()
trap 't_stop_all; rmdir "$v2/pwrmig-prom-busy" "$v2/pwrmig-prom-idle" 2>/dev/null; rm -rf "$work"' EXIT

t_check "promtool check rules accepts the shipped rules" promtool check rules "$rules"
t_check "promtool test rules: the rules' answers and alerts on known series" \
	promtool test rules tests/host/prometheus/rules_test.yml

# A PromQL query through the HTTP API: each sample as "LABEL=VALUE ... VALUE".
query() {
	/usr/bin/python3 - "http://127.0.0.1:$((port + 1))" "$1" <<'EOF'
import json, sys, urllib.parse, urllib.request
url = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": sys.argv[2]})
r = json.load(urllib.request.urlopen(url, timeout=5))
if r.get("status") != "success":
    sys.exit("query failed: %s" % r)
for s in r["data"]["result"]:
    print(" ".join("%s=%s" % kv for kv in sorted(s["metric"].items())), s["value"][1])
EOF
}

printf '%s\n' "listen = 127.0.0.1:$port" "socket = $work/pwrmig.sock" 'mode = bpf' \
	'interval_ms = 200' 'meter = model' 'gpu = off' 'price = 0.3793' 'currency = CNY' \
	> "$work/pd.conf"
cat > "$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $rules
scrape_configs:
  - job_name: pwrmigd
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
mkdir -p "$v2/pwrmig-prom-busy" "$v2/pwrmig-prom-idle"
sh -c "echo \$\$ > $v2/pwrmig-prom-busy/cgroup.procs; exec timeout 120 sh -c 'while :; do :; done'" &
pids+=($!)
sh -c "echo \$\$ > $v2/pwrmig-prom-idle/cgroup.procs; exec sleep 120" & pids+=($!)
build/bin/pwrmigd -c "$work/pd.conf" 2> "$work/pd.log" & pids+=($!)
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
	--web.listen-address="127.0.0.1:$((port + 1))" --log.level=warn 2> "$work/prom.log" &
pids+=($!)

busy='cgroup:pwrmig_cgroup_energy_joules:rate1m{cgroup="/pwrmig-prom-busy"}'
for i in $(seq 120); do
	got=$(query "$busy" 2>/dev/null)
	[ -n "$got" ] && break
	sleep 0.5
done
[ -n "$got" ] || { t_fail "Prometheus records per-cgroup power" \
	"$(tail -n 3 "$work/prom.log" "$work/pd.log")"; t_done; }
t_ok "Prometheus scrapes pwrmigd and records per-cgroup power"
t_expect "the scrape target is up" 'instance=127.0.0.1:'"$port"' job=pwrmigd __name__=up 1' \
	"$(query 'up{job="pwrmigd"}' | sed 's/^\(__name__=up\) \(.*\) 1$/\2 \1 1/')"
# The rules average over a minute; over the last 5 s the figures are
# the test's own: power = rate of the energy counters.
sleep 6
cg_w='sum without (domain, estimated) (rate(pwrmig_cgroup_energy_joules_total{cgroup="/pwrmig-prom-%s"}[5s]))'
w_busy=$(query "$(printf "$cg_w" busy)" | awk '{ print $NF }')
w_idle=$(query "$(printf "$cg_w" idle)" | awk '{ print $NF }')
w_node=$(query 'sum(rate(pwrmig_node_energy_joules_total[5s]))' | awk '{ print $NF }')
w_sum=$(query 'sum(rate(pwrmig_cgroup_energy_joules_total[5s]))' | awk '{ print $NF }')
/usr/bin/python3 -c "import sys; sys.exit(0 if float('$w_busy') > 1 and float('$w_busy') > 20 * float('${w_idle:-0}') else 1)" 2>/dev/null &&
	t_ok "PromQL: the spinning cgroup draws power (${w_busy} W), the sleeping one hardly (${w_idle:-0} W)" ||
	t_fail "PromQL: per-cgroup power" "busy '$w_busy' W, idle '$w_idle' W"
/usr/bin/python3 -c "import sys; sys.exit(0 if float('$w_busy') <= float('$w_sum') <= float('$w_node') * 1.001 else 1)" 2>/dev/null &&
	t_ok "PromQL: the cgroups' power adds up to no more than the node's (${w_sum} of ${w_node} W)" ||
	t_fail "PromQL: cgroups within the node" "busy '$w_busy' W, cgroups '$w_sum' W, node '$w_node' W"
t_expect "the cost per hour is recorded in the site's currency" "CNY" \
	"$(query 'cgroup:pwrmig_cgroup_cost:rate1h{cgroup="/pwrmig-prom-busy"}' |
	   sed -n 's/.*currency=\([A-Z]*\).*/\1/p')"
t_done
