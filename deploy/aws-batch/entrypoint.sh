#!/bin/sh
# The AWS Batch entrypoint of an envmatrix image (installed as /usr/local/bin/envmatrix-batch):
#   envmatrix-batch audit   one child of the array job: the shard AWS_BATCH_JOB_ARRAY_INDEX names (0-based) of
#                           ENVMATRIX_SHARD_COUNT, its reports copied to $ENVMATRIX_REPORTS_S3/shard-<index>/
#   envmatrix-batch merge   the job that dependsOn the array job: every shard's reports from S3, merged, the merged
#                           report copied to $ENVMATRIX_REPORTS_S3/merged/
# The copies are this script's `aws s3 sync`, with the job role's one write permission (PutObject under the
# reports prefix); envmatrix itself never writes to AWS (its guard allows only iam/envmatrix-readonly.json's reads).
# A shard that found something (exit 1) still succeeds here: AWS Batch fails a job whose dependency failed, and
# the merge must run to judge every shard; it exits 1 when the merged verdict fails. Exit 2 and above (a usage
# error, an interrupted run) fail the child, and then the merge.
set -eu
: "${ENVMATRIX_REPORTS_S3:?set ENVMATRIX_REPORTS_S3 to s3://<bucket>/<prefix of this audit run>}"
work="${TMPDIR:-/tmp}/envmatrix"

case "${1:-}" in
  audit)
    index="${AWS_BATCH_JOB_ARRAY_INDEX:?not a child of an array job (AWS_BATCH_JOB_ARRAY_INDEX unset)}"
    status=0
    envmatrix audit --shard=auto --reports-dir="$work/shard-$index" --history=off || status=$?
    aws s3 sync "$work/shard-$index" "$ENVMATRIX_REPORTS_S3/shard-$index/" --only-show-errors
    [ "$status" -le 1 ] || exit "$status"
    ;;
  merge)
    aws s3 sync "$ENVMATRIX_REPORTS_S3/" "$work/" --exclude "merged/*" --only-show-errors
    status=0
    envmatrix merge "$work"/shard-* --out "$work/merged" --history off || status=$?
    if [ -d "$work/merged" ]; then
      aws s3 sync "$work/merged" "$ENVMATRIX_REPORTS_S3/merged/" --only-show-errors
    fi
    exit "$status"
    ;;
  *)
    echo "usage: envmatrix-batch audit|merge" >&2
    exit 2
    ;;
esac
