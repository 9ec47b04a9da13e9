# SPDX-License-Identifier: GPL-2.0
#
# Training jobs (tests/mig/trainjob) for the migration and shaper tests,
# sourced: start one in a cgroup, and tell whether it steps on, each step
# once and in order.  Set JOB_SITE (the cgroup below the root the jobs go
# in, e.g. east) and JOB_ERR (a directory for their stderr) first.
tj=build/tests/mig/trainjob

step_of() { tail -n 1 "$1" 2>/dev/null | awk '{ print $2 }'; }
# advancing FILE: the job's step advances within 5 s.
advancing() {
	local a b i
	a=$(step_of "$1")
	for i in $(seq 50); do
		sleep 0.1; b=$(step_of "$1")
		[ -n "$b" ] && [ "${b:-0}" -gt "${a:-0}" ] && return 0
	done
	return 1
}
# Each step appears once and in order: the job neither restarted nor forked.
contiguous() {
	awk '$2 != NR { print "line " NR ": step " $2; bad = 1; exit } END { exit bad }' "$1"
}
# start_job NAME PROGRESS [TRAINJOB-OPTION...]: a training job in
# /$JOB_SITE/NAME, the init of its own PID namespace; waits until it steps.
start_job() {
	local name=$1 prog=$2 dir=/sys/fs/cgroup/$JOB_SITE/$1
	shift 2
	mkdir -p "$dir"
	bash -c "echo \$\$ > $dir/cgroup.procs; exec $tj --pidns $* $prog" \
		> /dev/null 2> "$JOB_ERR/$name.err" < /dev/null
	advancing "$prog"
}
