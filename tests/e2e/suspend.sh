# suspend.sh: Ctrl-z suspends the monitor as any job (the shell's prompt and screen come back)
# and fg resumes it, redrawn; q on a quiet monitor then quits to the shell.
. "$(dirname "$0")/lib.sh"

e2e_server
e2e_run "$top/examples/serial.yaml"
# A job-control shell in the pane, so Ctrl-z stops a job and fg brings it back.
tmux -L "$sock" -f /dev/null new-session -d -s e2e -x "$e2e_cols" -y "$e2e_rows" \
	"env -i PATH=$PATH HOME=$tmp HISTFILE=/dev/null LC_ALL=C.UTF-8 TERM=xterm-256color PS1='E2E-PROMPT\$ ' bash --norc --noprofile -i"
e2e_wait "E2E-PROMPT"
e2e_keys "$top/$build/bin/osmotop --url $url --token-file $tmp/state/access_token" Enter
e2e_wait "osmotop · workflows"
e2e_wait "$wf"
e2e_keys C-z
e2e_wait "Stopped"
e2e_gone "osmotop · workflows"
e2e_keys "fg" Enter
e2e_wait "osmotop · workflows"
e2e_wait "$wf"
e2e_keys q
e2e_wait "E2E-PROMPT"
e2e_gone "osmotop · workflows"
echo "suspend: ok"
