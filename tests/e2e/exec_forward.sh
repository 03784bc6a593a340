# exec_forward.sh: the keyboard's ways into a running task. `s` lends the terminal to a shell in
# the task: keys typed right after `s` are the shell's, a command typed there prints its output,
# a window change reaches the task's pty, and `exit` brings the same view back, redrawn at the
# new size, with the modes the shell left (mouse reporting) turned off. `F` forwards a local
# port to the task's HTTP server, which curl then fetches a page through; `p` lists the
# forward, `x` stops it.
. "$(dirname "$0")/lib.sh"

# Two ports nothing listens on now: the task's and ours.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
remote=$(free_port)
local=$(free_port)
[ "$local" != "$remote" ] || local=$(free_port)

cat > "$tmp/web.yaml" <<SPEC
workflow:
  name: web
  tasks:
  - name: web
    image: python:3.11-slim
    command: ["sh", "-c"]
    args:
    - echo osmotop-forward-ok > index.html && exec python3 -m http.server $remote --bind 127.0.0.1
SPEC

e2e_server
e2e_run "$tmp/web.yaml"
e2e_start --view workflow "$wf"
e2e_wait_kick "web +.•? +RUNNING" 30

# s: the terminal goes to the task's shell; what we type runs there. A key typed right behind
# the s (here q, which would quit the monitor) is the shell's, held until the shell answers.
e2e_keys sq
e2e_wait "opening a shell in $wf/web"
e2e_wait '[$#] q$' 20
e2e_keys BSpace
e2e_keys 'echo e2e-$((6 * 7)) "$PWD"' Enter
e2e_wait "^e2e-42 /"
# A window change reaches the task's pty while the shell has the terminal.
tmux -L "$sock" resize-window -t e2e -x 90 -y 28
e2e_keys 'echo "size=$(stty size)"' Enter
e2e_wait "^size=28 90"
# The shell leaves mouse reporting on as it exits; the monitor turns it off again.
e2e_keys "printf '\\033[?1000h'; exit" Enter
# Back in the monitor, on the same view, redrawn at the new size, with how the shell ended.
e2e_wait "the shell in web closed"
e2e_wait "osmotop · $wf"
e2e_absent "e2e-42"
e2e_fits 90
[ "$(tmux -L "$sock" display -p -t e2e '#{mouse_standard_flag}')" = 0 ] ||
	e2e_fail "the shell's mouse reporting is still on"

# F: a dialog for the ports; Enter starts the forward; curl reaches the task through it.
e2e_keys F
e2e_wait "Port-forward from web to 127.0.0.1"
e2e_keys "$remote:$local"
e2e_wait "$local→$remote"
e2e_keys Enter
e2e_wait "forwarding 127.0.0.1:$local → web:$remote"
# --noproxy: a proxy in the environment would answer instead of the forward.
page=$(curl -s --noproxy '*' --max-time 20 "http://127.0.0.1:$local/index.html") ||
	e2e_fail "curl through the forward failed"
[ "$page" = osmotop-forward-ok ] || e2e_fail "curl got: $page"

# Quitting would stop the forward: Q asks, n keeps everything running.
e2e_keys Q
e2e_wait "Quit osmotop\\?"
e2e_wait "1 port-forward stops"
e2e_keys n
e2e_gone "Quit osmotop"
curl -s --noproxy '*' --max-time 20 "http://127.0.0.1:$local/index.html" > /dev/null ||
	e2e_fail "the forward stopped after the quit dialog was answered n"

# p: the forward with its traffic; x stops it and the port closes.
e2e_keys p
e2e_wait "127.0.0.1:$local +$wf/web:$remote +listening"
e2e_keys x
e2e_wait "127.0.0.1:$local +$wf/web:$remote +stopped"
! curl -s --noproxy '*' --max-time 5 "http://127.0.0.1:$local/" > /dev/null ||
	e2e_fail "the port still answers"
e2e_keys Q
e2e_wait OSMOTOP-EXITED
echo "exec_forward: ok"
