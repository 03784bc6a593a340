# zcomplete.zsh: what zsh's completion offers (for completion_zsh.sh; run by zsh -f).
# Usage: zsh -f zcomplete.zsh DIR LINE
# An interactive zsh under a pty (zpty), with compinit and completions/ on its fpath, is sent
# LINE and a Tab; the completion system runs as it would for a person, and a compadd in front
# of the builtin notes each word it is given that matches. Prints those words, one a line;
# what the completion says on stderr goes to ours and fails it, as does no answer in 10 s.
# DIR is scratch space (compinit's dump is kept there for the next run). Sourced with
# --shell, it sets up that interactive zsh.

# The interactive zsh: nothing of the user's, Tab completes and then says so.
if [[ $1 == --shell ]]; then
	PS1= RPS1= PS2=
	fpath=(${0:A:h:h:h}/completions $fpath)
	autoload -Uz compinit && compinit -u -d $ZC_DIR/zcompdump
	compadd() {
		local -a zc_words
		# -O, -A and -D ask what would match, and add nothing.
		if (($@[(I)-[OAD]])); then
			builtin compadd "$@"
			return
		fi
		builtin compadd -O zc_words "$@"
		((${#zc_words})) && print -rl -- $zc_words >> $ZC_DIR/words
		builtin compadd "$@"
	}
	zc-tab() {
		zle complete-word 2>> $ZC_DIR/errors
		print -r -- '<zc-''done>'
	}
	zc-ready() {
		print -r -- '<zc-''ready>'
	}
	zle -N zc-tab
	zle -N zle-line-init zc-ready
	bindkey -e '^I' zc-tab
	return
fi

zmodload zsh/zpty zsh/zselect zsh/datetime || exit 2
export ZC_DIR=$1
local line=$2 out
local -aU words
integer ok=1
local -F deadline=$((EPOCHREALTIME + 10))

# zc_until TEXT: reads the terminal into out until TEXT comes, or fails at the deadline.
zc_until() {
	local chunk
	local -F left
	out=
	while [[ $out != *$1* ]]; do
		left=$((deadline - EPOCHREALTIME))
		((left > 0)) || return 1
		zselect -t $((${${:-$((left * 100))}%.*} + 1)) -r $zc_fd || continue
		zpty -rt zc chunk && out+=$chunk
	done
}

mkdir -p $ZC_DIR && : > $ZC_DIR/words && : > $ZC_DIR/errors || exit 2
zpty zc TERM=dumb zsh -f -i
zc_fd=$REPLY
zpty -w zc "source ${(q)0:A} --shell"
if ! zc_until '<zc-ready>'; then
	print -r -- "zcomplete: zsh did not start: $out" >&2
	ok=0
elif ! zpty -w -n zc "$line"$'\t' || ! zc_until '<zc-done>'; then
	print -r -- "zcomplete: no answer to '$line' in 10 s" >&2
	ok=0
fi
zpty -d zc
words=(${(f)"$(<$ZC_DIR/words)"})
((${#words})) && print -rl -- $words
[[ -s $ZC_DIR/errors ]] && cat $ZC_DIR/errors >&2 && ok=0
((ok))
