#!/usr/bin/env bash
# Consumer test: the packages as a user gets them. Packs the packages of src/ into a local feed, creates a fresh
# `dotnet new web` app in a temporary directory outside the repository, adds the packages from that feed, builds
# README.md's minimal Program.cs (the block marked <!-- snippet: consumer-app -->, with README's declaration-only
# blocks beside it), installs the dev server from the same feed as the zespan-dev tool, runs both, makes one traced
# call to the dev server's mock OpenAI endpoint and checks the event arrived. It fails when the README's app stops
# compiling or stops tracing. Needs nothing but the NuGet source this machine is configured with.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
key=zsp_consumer_test_0123456789

work=$(mktemp -d "${TMPDIR:-/tmp}/zespan-consumer.XXXXXX")
case "$work/" in "$repo"/*) echo "consumer-test: the temporary directory is inside the repository" >&2; exit 1 ;; esac
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "consumer-test: FAILED: $*" >&2
  for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $(basename "$log")" >&2; tail -n 40 "$log" >&2; }; done
  exit 1
}
step() { echo "consumer-test: $*"; }

# 1. The packages, into a local feed (the src/ projects only; a Release build of them is reused when up to date).
feed=$work/feed
step "packing src/ into $feed"
for project in src/*/*.csproj; do
  dotnet pack "$project" -c Release -o "$feed" --nologo -v quiet -p:WarningLevel=4 > "$work/pack.log" 2>&1 || fail "dotnet pack $project"
  if grep -E ': warning ' "$work/pack.log" >/dev/null; then fail "dotnet pack $project warned: $(grep -E ': warning ' "$work/pack.log" | head -3)"; fi
done
version=$(sed -n 's|.*<VersionPrefix>\(.*\)</VersionPrefix>.*|\1|p' Directory.Build.props)
[ -f "$feed/Zespan.Extensions.$version.nupkg" ] || fail "no Zespan.Extensions.$version.nupkg in the feed"

# 2. NuGet outside the repository: the feed for Zespan.* (and only it), this machine's sources for the rest, and a
# package folder of its own, so no copy of Zespan.* from an earlier run is ever used.
sources=$(cd "$work" && dotnet nuget list source --format short | awk '$1 == "E" { print $2 }')
[ -n "$sources" ] || fail "this machine has no enabled NuGet source"
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <packageSources>'
  echo '    <clear />'
  echo "    <add key=\"zespan-local\" value=\"$feed\" />"
  if [ -d "$HOME/.nuget/packages" ]; then echo "    <add key=\"machine-cache\" value=\"$HOME/.nuget/packages\" />"; fi
  n=0; for s in $sources; do n=$((n + 1)); echo "    <add key=\"machine-$n\" value=\"$s\" />"; done
  echo '  </packageSources>'
  echo '  <packageSourceMapping>'
  echo '    <packageSource key="zespan-local"><package pattern="Zespan.*" /></packageSource>'
  if [ -d "$HOME/.nuget/packages" ]; then echo '    <packageSource key="machine-cache"><package pattern="*" /></packageSource>'; fi
  n=0; for s in $sources; do n=$((n + 1)); echo "    <packageSource key=\"machine-$n\"><package pattern=\"*\" /></packageSource>"; done
  echo '  </packageSourceMapping>'
  echo '</configuration>'
} > "$work/nuget.config"
export NUGET_PACKAGES=$work/packages

# 3. A fresh app, as a user makes one, with the packages from the feed.
step "dotnet new web, dotnet add package Zespan.Extensions $version"
app=$work/ConsumerApp
dotnet new web -o "$app" -n ConsumerApp --framework net10.0 > "$work/new.log" 2>&1 || fail "dotnet new web"
(cd "$app" && dotnet add package Zespan.Extensions --version "$version" > "$work/add.log" 2>&1) || fail "dotnet add package Zespan.Extensions"
openai=$(sed -n 's|.*<PackageVersion Include="OpenAI" Version="\([^"]*\)".*|\1|p' Directory.Packages.props)
(cd "$app" && dotnet add package OpenAI --version "$openai" >> "$work/add.log" 2>&1) || fail "dotnet add package OpenAI"

# README.md's minimal Program.cs replaces the template's; README's declaration-only blocks (a controller, a record)
# go beside it, as a reader would copy them.
awk -v dir="$app" '
  /^<!-- snippet: consumer-app -->$/ { marked = 1; next }
  /^```csharp$/ { inblock = 1; code = ""; program = marked; marked = 0; next }
  inblock && /^```$/ {
    inblock = 0; blocks++
    if (program) { print code > (dir "/Program.cs"); found = 1 }
    else if (!toplevel) { print code > (dir "/ReadmeSnippet" blocks ".cs") }
    toplevel = 0; next
  }
  inblock {
    code = code $0 "\n"
    if ($0 ~ /^[A-Za-z_]/ && $0 !~ /^(using |namespace |public |internal |sealed |static |file |record |class |interface |enum |abstract |partial )/) toplevel = 1
    next
  }
  { marked = 0 }
  END { if (!found) exit 3 }
' README.md || fail "README.md has no block marked <!-- snippet: consumer-app -->"
step "building README.md's Program.cs ($(ls "$app"/ReadmeSnippet*.cs 2>/dev/null | wc -l) declaration blocks beside it)"
(cd "$app" && dotnet build -c Release -p:TreatWarningsAsErrors=true > "$work/build.log" 2>&1) || fail "README.md's Program.cs does not build in a fresh app: $(grep -E ' error | warning ' "$work/build.log" | sort -u | head -5)"

# 4. The dev server, installed from the same feed as the zespan-dev tool.
step "dotnet tool install Zespan.DevServer $version (zespan-dev)"
dotnet tool install Zespan.DevServer --version "$version" --tool-path "$work/tools" --configfile "$work/nuget.config" > "$work/tool.log" 2>&1 || fail "dotnet tool install Zespan.DevServer"
"$work/tools/zespan-dev" --api-key "$key" --urls http://127.0.0.1:0 --db "$work/dev.db" > "$work/dev-server.log" 2>&1 &
pids+=($!)

wait_for() { # wait_for <file> <sed expression printing the value>: prints the first match, at most 60 s
  for _ in $(seq 1 600); do
    value=$(sed -n "$2" "$1" 2>/dev/null | head -n 1)
    if [ -n "$value" ]; then echo "$value"; return 0; fi
    sleep 0.1
  done
  return 1
}
dev=$(wait_for "$work/dev-server.log" 's|.*\(http://127\.0\.0\.1:[0-9][0-9]*\).*|\1|p') || fail "the dev server printed no address"
step "dev server at $dev"

# 5. The app, against the dev server and its mock OpenAI endpoint, configured as a user would (environment variables).
host=${dev#http://}
Zespan__ApiKey=$key Zespan__BaseUrl=$dev Zespan__FlushInterval=00:00:00.200 \
  Zespan__ProviderEndpoints__0__Host=$host Zespan__ProviderEndpoints__0__PathPrefix=/mock/openai \
  OpenAI__ApiKey=sk-unused-by-the-mock OpenAI__Endpoint=$dev/mock/openai/v1 \
  ASPNETCORE_URLS=http://127.0.0.1:0 DOTNET_ENVIRONMENT=Production \
  dotnet "$app/bin/Release/net10.0/ConsumerApp.dll" > "$work/app.log" 2>&1 &
pids+=($!)
url=$(wait_for "$work/app.log" 's|.*Now listening on: \(http://127\.0\.0\.1:[0-9][0-9]*\).*|\1|p') || fail "the app did not start"
step "app at $url"

question="consumer-test-$$"
reply=$(curl -sS --fail --max-time 30 "$url/ask?question=$question") || fail "GET /ask failed"
case "$reply" in *"$question"*) ;; *) fail "unexpected reply: $reply" ;; esac
step "reply: $reply"

# 6. The event arrived: the dev server's read API lists the generation of that call.
for _ in $(seq 1 300); do
  traces=$(curl -sS --fail --max-time 10 -H "Authorization: Bearer $key" "$dev/api/traces?limit=10" || true)
  case "$traces" in *'"gpt-4o-mini"'*) break ;; esac
  sleep 0.1
done
case "$traces" in *'"gpt-4o-mini"'*) ;; *) fail "no trace with the call's model reached the dev server: $traces" ;; esac
trace=$(echo "$traces" | sed -n 's|.*"trace_id":"\([0-9a-f]\{32\}\)".*|\1|p' | head -n 1)
detail=$(curl -sS --fail --max-time 10 -H "Authorization: Bearer $key" "$dev/api/traces/$trace") || fail "GET /api/traces/$trace failed"
case "$detail" in *'"generation"'*"$question"*|*"$question"*'"generation"'*) ;; *) fail "the trace does not hold the generation of the call: $detail" ;; esac
step "trace $trace holds the generation of the call"

# 7. Both stop on SIGTERM.
for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || fail "a process did not stop cleanly on SIGTERM (exit $?)"; done
pids=()
echo "consumer-test: ok (packages $version from a local feed, README.md's Program.cs in a fresh app, traced through the zespan-dev tool)"
