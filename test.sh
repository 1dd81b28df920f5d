#!/usr/bin/env bash
# Runs every test of the repository. Installs what the tests need first (nothing beyond the .NET SDK yet).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet test Zespan.Extensions.sln --configuration Release "$@"
