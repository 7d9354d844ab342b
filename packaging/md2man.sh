#!/bin/bash
# Turns a man-style page of docs/ (first line "# NAME(SECTION)", then
# "## NAME", "## SYNOPSIS"...) into roff on stdout, with pandoc.
#   md2man.sh docs/PAGE.md SECTION VERSION
# The first line becomes the .TH title; the "##" sections become man
# sections, the tables narrow enough for 80 columns.  No date: the
# same tree gives the same page.
set -euo pipefail
src=$1 section=$2 version=$3
title=$(sed -n '1s/^# \([^(]*\)(.*/\1/p' "$src")
[ -n "$title" ] || { echo "md2man.sh: $src does not start with '# NAME(SECTION)'" >&2; exit 1; }
sed 1d "$src" | pandoc -f markdown-smart -t man -s --shift-heading-level-by=-1 \
	-M title="$title" -M section="$section" -M footer="dpvs $version" \
	-M header="dpvs manual" |
	# pandoc makes every table 70 ens wide: wider than an 80-column
	# terminal leaves once the section is indented (groff warns); text
	# left-aligned, not justified, as narrow table cells cannot be.
	perl -pe 's/lw\(([\d.]+)n\)/sprintf("lw(%.1fn)", $1 * 0.9)/ge if /^lw\(/;
		$_ .= ".ad l\n" if /^\.TH /'
