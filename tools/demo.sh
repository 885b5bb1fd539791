#!/usr/bin/env bash
# make demo: generate real blocks with promtool, convert them into a local
# FILESYSTEM bucket, then serve them (Ctrl-C stops).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
demo=.tmp/demo
mkdir -p "$demo"
if [ ! -d "$demo/blocks" ] || [ -z "$(ls -A "$demo/blocks" 2>/dev/null)" ]; then
  echo "==> generating 2,000 series x 6h of real TSDB blocks with promtool"
  node dist/tools/make-blocks.js --series 2000 --duration 6h --interval 15s --out "$demo/blocks.tmp" --quiet
  mv "$demo/blocks.tmp" "$demo/blocks"
fi
cat > "$demo/bucket.yml" <<YAML
type: FILESYSTEM
config:
  directory: $PWD/$demo/bucket
YAML
echo "==> converting into $demo/bucket"
node dist/src/cli/main.js convert --tsdb.path "$demo/blocks" --objstore.config-file "$demo/bucket.yml" --label cluster=demo
echo "==> what a converted series looks like (first 3 samples):"
node dist/src/cli/main.js dump --objstore.config-file "$demo/bucket.yml" --match 'api_http_requests_total' | head -3 || true
cat <<TXT

==> serving: gRPC StoreAPI on 127.0.0.1:10901, HTTP on 127.0.0.1:10902. Try:
    curl -s 127.0.0.1:10902/-/ready
    curl -s 127.0.0.1:10902/metrics | grep parquet_gateway_
    grpcurl -plaintext 127.0.0.1:10901 list
    curl -s '127.0.0.1:10902/api/v1/query?query=sum by (code) (rate(api_http_requests_total[5m]))&time=2024-01-01T05:00:00Z'
    grpcurl -plaintext -d '{"matchers":[{"name":"__name__","value":"api_http_requests_total"}],"max_time":"9999999999999","skip_chunks":true}' 127.0.0.1:10901 thanos.Store/Series
    thanos query --endpoint=127.0.0.1:10901     # a real Thanos Querier
Ctrl-C stops the server.
TXT
exec node dist/src/cli/main.js serve --objstore.config-file "$demo/bucket.yml"
