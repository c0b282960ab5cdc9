#!/usr/bin/env bash
# Brings PublicAPI.Unshipped.txt up to date after a public API change (Microsoft.CodeAnalysis.PublicApiAnalyzers).
#   eng/update-public-api.sh                      # the four tracked projects
#   eng/update-public-api.sh src/MitiAgent/MitiAgent.csproj
# Builds each project with warnings allowed and reads the analyzer's findings:
#   RS0016 (public, not declared)  -> appended to PublicAPI.Unshipped.txt
#   RS0017 (declared, not found)   -> deleted from PublicAPI.Unshipped.txt when it was added there, otherwise
#                                     recorded there as *REMOVED*<symbol> (the shipped line stays until release)
# A symbol reported for only some target frameworks goes to PublicAPI/<tfm>/PublicAPI.Unshipped.txt instead.
# Review the diff: every line is a public change.
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then
  projects=(src/MitiAgent.Protocol/MitiAgent.Protocol.csproj src/MitiAgent/MitiAgent.csproj
            src/MitiAgent.Hosting/MitiAgent.Hosting.csproj src/MitiAgent.Emulator/MitiAgent.Emulator.csproj)
fi

for project in "${projects[@]}"; do
  dir=$(dirname "$project")
  log=$(mktemp)
  dotnet build "$project" -c Release --no-incremental -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= >"$log" 2>&1 || true
  # "<file>(l,c): warning RS0016: Symbol '<symbol>' is not part ... [<csproj>::TargetFramework=<tfm>]"
  # A single-target project's lines carry no "::TargetFramework=": treat them as one target, "all".
  findings=$(grep -E "(warning|error) RS001[67]: Symbol '" "$log" | grep -F "$(basename "$project")" |
    sed -E 's/\.csproj\]/.csproj::TargetFramework=all]/' |
    sed -E "s/.*(RS001[67]): Symbol '(.*)' is (not part|part) of the declared (public )?API.*TargetFramework=([^]]+)\].*/\1\t\5\t\2/" |
    sort -u || true)
  rm -f "$log"
  tfms=$(printf '%s\n' "$findings" | cut -f2 | sort -u | grep -v '^$' || true)
  tfm_count=$(printf '%s\n' "$tfms" | grep -c . || true)
  printf '%s\n' "$findings" | cut -f1,3 | sort -u | while IFS=$'\t' read -r rule symbol; do
    [ -n "$symbol" ] || continue
    seen_in=$(printf '%s\n' "$findings" | awk -F'\t' -v r="$rule" -v s="$symbol" '$1==r && $3==s {print $2}')
    targets=("$dir/PublicAPI.Unshipped.txt")
    if [ "$(printf '%s\n' "$seen_in" | grep -c .)" -lt "$tfm_count" ]; then
      targets=()
      for tfm in $seen_in; do
        mkdir -p "$dir/PublicAPI/$tfm"
        for kind in Shipped Unshipped; do
          [ -f "$dir/PublicAPI/$tfm/PublicAPI.$kind.txt" ] || printf '#nullable enable\n' >"$dir/PublicAPI/$tfm/PublicAPI.$kind.txt"
        done
        targets+=("$dir/PublicAPI/$tfm/PublicAPI.Unshipped.txt")
      done
    fi
    for file in "${targets[@]}"; do
      if [ "$rule" = RS0016 ]; then
        printf '%s\n' "$symbol" >>"$file"
      elif grep -qxF -- "$symbol" "$file"; then
        grep -vxF -- "$symbol" "$file" >"$file.tmp" && mv "$file.tmp" "$file"
      else
        printf '*REMOVED*%s\n' "$symbol" >>"$file"
      fi
    done
  done
  echo "$project: $(printf '%s\n' "$findings" | grep -c RS0016 || true) added, $(printf '%s\n' "$findings" | grep -c RS0017 || true) removed (per target framework)"
done
