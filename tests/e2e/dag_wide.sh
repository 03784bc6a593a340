# dag_wide.sh: one group fanning out to forty shard groups that join in one, at 80x24: the
# shards wrap into sub-columns side by side with the join on screen, not a column that pans;
# j moves the highlight down the first sub-column into the second; at 40x12 it is a tree.
e2e_cols=80
e2e_rows=24
. "$(dirname "$0")/lib.sh"

spec="$tmp/shards.yaml"
{
	printf 'workflow:\n  name: shards\n  groups:\n'
	printf '  - name: prepare-group\n    tasks:\n    - name: prepare\n      lead: true\n'
	printf '      image: ubuntu:24.04\n      command: ["bash", "-c", "echo prepared"]\n'
	for i in $(seq -w 1 40); do
		printf '  - name: shard-%s-group\n    tasks:\n    - name: shard-%s\n' "$i" "$i"
		printf '      lead: true\n      image: ubuntu:24.04\n'
		printf '      command: ["bash", "-c", "echo shard %s"]\n' "$i"
		printf '      inputs:\n      - task: prepare\n'
	done
	printf '  - name: merge-group\n    tasks:\n    - name: merge\n      lead: true\n'
	printf '      image: ubuntu:24.04\n      command: ["bash", "-c", "echo merged"]\n'
	printf '      inputs:\n'
	for i in $(seq -w 1 40); do
		printf '      - task: shard-%s\n' "$i"
	done
} > "$spec"

e2e_server
e2e_run "$spec"

e2e_start "$wf"
e2e_wait "osmotop · $wf"
e2e_wait "GROUP / TASK"
e2e_keys d
# Done, the header is its shortest: three sub-columns side by side, the source's bus over
# them and the join under them.
e2e_wait_kick "✔ COMPLETED" 90
e2e_wait "✔ prepare-group +1/1 ─+┬─+╮"
e2e_wait "├→ ✔ shard-01-group 1/1─╮ ├→ ✔ shard-15-group 1/1─╮ ├→ ✔ shard-29-group"
e2e_wait "╰→ ✔ shard-14-group 1/1─┤ ╰→ ✔ shard-28-group 1/1─┤ +│"
e2e_wait "✔ merge-group +1/1 ←─+┴─+┴─+╯"
e2e_fits 80
# A group's row and its task's: fifteen shards down is the head of the second sub-column.
for i in $(seq 1 31); do
	e2e_keys j
done
deadline=$(($(date +%s) + 10))
until e2e_screen -e | grep -q "7m[^├╮┤]*shard-15-group"; do
	[ "$(date +%s)" -lt "$deadline" ] || e2e_fail "shard-15-group is not highlighted"
	sleep 0.1
done
e2e_wait "merge-group +1/1 ←"
e2e_fits 80
tmux -L "$sock" resize-window -t e2e -x 40 -y 12
# Too narrow for two sub-columns of these names: the tree, which fits any width.
e2e_wait "─→ ✔ shard-..-group"
e2e_fits 40
e2e_keys q
e2e_wait "WORKFLOW"
e2e_keys q
e2e_wait "OSMOTOP-EXITED"
echo "dag_wide: ok"
