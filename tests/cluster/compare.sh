# tests/cluster/compare.sh - what a submitted run and a run on one machine
# are set up with and compared by: sourced by tests/cluster/helpers.sh and
# by bench/cluster.sh, so that the tests and the bench judge alike.
#
#   sender_conf HOME     the courier sender lines a HOME's batches need
#   results_digest HOME  each result on one line, sorted, issued codes and
#                        paper numbers masked
# shellcheck shell=bash

sender_conf() {
	cat >>"$1/credpipe.conf" <<'EOT'
SENDER_NAME=学历认证中心 Credential Certification Office
SENDER_PHONE=01082330000
SENDER_ADDRESS=北京市海淀区学院路35号
SENDER_POSTCODE=100083
EOT
}

# results_digest HOME - every result file, one line each, sorted: the codes
# and paper numbers a run issues are random or in issuing order, the rest
# (outcome, reasons, QR statuses, dates, shipments, waybills) must agree
results_digest() {
	local f
	for f in "$1"/out/results/*.xml; do
		[ -f "$f" ] || continue
		tr -d '\n' <"$f" | sed -e 's/<report code="[0-9A-Z]*"/<report code="*"/' \
			-e 's/ number="P[0-9]*"/ number="*"/'
		echo
	done | sort
}
