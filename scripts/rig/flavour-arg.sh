# shellcheck shell=bash
# Sourced, with the script's own arguments ("$@"), by the rig scripts whose
# only option is --flavour F; it must come before lib.sh, which reads FLAVOUR.
while (($#)); do
	case $1 in
	--flavour) export FLAVOUR=$2; shift 2 ;;
	*) echo "usage: $0 [--flavour F]" >&2; exit 2 ;;
	esac
done
