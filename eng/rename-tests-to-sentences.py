#!/usr/bin/env python3
"""Renames PascalCase xUnit test methods to underscore sentences (the convention of MitiAgent.Tests etc.).
Keeps code identifiers (ToString, OnError, ...) and acronyms readable; renames generator snapshot files
(Snapshots/<Test>.<hint>.verified.cs) with git mv. Usage: eng/rename-tests-to-sentences.py <test project dir>...
Idempotent: run it again after adding tests."""
import re, sys, subprocess, pathlib

KEEP = {  # written as in code, or as an acronym
    'ToString': 'ToString', 'OnError': 'OnError', 'GatewayFrameReader': 'GatewayFrameReader',
    'TryDeserialize': 'TryDeserialize', 'ForAttributeWithMetadataName': 'ForAttributeWithMetadataName',
    'TokenRequest': 'TokenRequest', 'TokenData': 'TokenData', 'TokenResponse': 'TokenResponse',
    'StreamFull': 'StreamFull', 'AtText': 'AtText', 'NetStandard20': 'netstandard2.0'.replace('.', '_'),
    'Utf8': 'UTF8', 'Json': 'JSON', 'Roslyn': 'Roslyn',
}
# A diagnostic id leads a sentence as written in the diagnostic (Miti0002_... -> MITI0002_...).
DIAGNOSTIC = re.compile(r'^Miti(\d{4})_')
WORD = re.compile(r'Section(\d)(\d?)|[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+')
METHOD = re.compile(r'^(\s*public\s+(?:async\s+)?(?:static\s+)?[\w<>\[\],?. ]+?\s+)(\w+)(\s*\()')


def rename_tests(text, renames, project):
    """Renames the methods whose attribute lines (each starting with '[') include [Fact] or [Theory]."""
    lines = text.split('\n')
    for i, line in enumerate(lines):
        m = METHOD.match(line)
        if not m:
            continue
        old = m.group(2)
        new = DIAGNOSTIC.sub(r'MITI\1_', old) if '_' in old else sentence(old)
        if new == old:
            continue
        j, attributes = i - 1, []
        while j >= 0 and lines[j].strip().startswith('['):
            attributes.append(lines[j].strip())
            j -= 1
        if not any(re.match(r'\[(Fact|Theory)\b', a) for a in attributes):
            continue
        renames[old] = (new, project)
        lines[i] = m.group(1) + new + line[m.end(2):]
    return '\n'.join(lines)

def sentence(name):
    words, i = [], 0
    while i < len(name):
        for k in sorted(KEEP, key=len, reverse=True):
            if name.startswith(k, i) and (i + len(k) == len(name) or not name[i + len(k)].islower()):
                words.append((KEEP[k], True)); i += len(k); break
        else:
            m = WORD.match(name, i)
            if m.group(1):
                words.append(('section_' + m.group(1) + ('_' + m.group(2) if m.group(2) else ''), False))
            else:
                words.append((m.group(0), m.group(0).isupper() and len(m.group(0)) > 1))
            i = m.end()
    out = []
    for n, (w, keep) in enumerate(words):
        if keep:
            out.append(w)
        elif n == 0:
            out.append(w[0].upper() + w[1:].lower())
        else:
            out.append(w.lower())
    return '_'.join(out)

renames = {}
for project in sys.argv[1:]:
    for f in pathlib.Path(project).rglob('*.cs'):
        if any(p in ('bin', 'obj', 'Snapshots') for p in f.parts):
            continue
        text = f.read_text()
        new_text = rename_tests(text, renames, project)
        if new_text != text:
            f.write_text(new_text)

# nameof(...) and other references to a renamed test inside the same projects
for project in sys.argv[1:]:
    for f in pathlib.Path(project).rglob('*.cs'):
        if any(p in ('bin', 'obj', 'Snapshots') for p in f.parts):
            continue
        text = f.read_text()
        new_text = text
        for old, (new, _) in renames.items():
            new_text = re.sub(r'(?<=nameof\()' + old + r'(?=\))', new, new_text)
        if new_text != text:
            f.write_text(new_text)
    snaps = pathlib.Path(project) / 'Snapshots'
    if snaps.is_dir():
        for f in sorted(snaps.iterdir()):
            head, _, rest = f.name.partition('.')
            if head in renames:
                subprocess.run(['git', 'mv', str(f), str(snaps / (renames[head][0] + '.' + rest))], check=True)

for old, (new, project) in sorted(renames.items(), key=lambda r: r[1][1]):
    print(f'{project}\t{old} -> {new}')
