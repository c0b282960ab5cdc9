using System.Reflection;
using System.Runtime.CompilerServices;

namespace MitiAgent.Generators.Tests.Infrastructure;

/// <summary>
/// Verify-style snapshots without Verify: <c>Snapshots/&lt;Test&gt;.&lt;HintName&gt;.verified.cs</c> per generated file.
/// On a mismatch or a missing file, <c>*.received.cs</c> is written beside it (accept by renaming) and the test fails.
/// </summary>
internal static class Snapshot
{
    private static readonly string Directory = typeof(Snapshot).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SnapshotDirectory")
        .Value!;

    public static void Verify(IReadOnlyList<(string HintName, string Text)> generated, [CallerMemberName] string testName = "")
    {
        var failures = new List<string>();
        foreach ((string hintName, string text) in generated)
        {
            string stem = Path.Combine(Directory, testName + "." + StripCs(hintName));
            string verified = stem + ".verified.cs";
            string received = stem + ".received.cs";
            string? expected = File.Exists(verified) ? File.ReadAllText(verified).ReplaceLineEndings("\n") : null;
            if (expected == text)
            {
                if (File.Exists(received))
                {
                    File.Delete(received);
                }

                continue;
            }

            File.WriteAllText(received, text);
            failures.Add(expected is null
                ? "missing snapshot " + verified + " (received written: rename to accept)"
                : "snapshot mismatch " + verified + " (see " + received + ")");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static string StripCs(string hintName) =>
        hintName.EndsWith(".cs", StringComparison.Ordinal) ? hintName[..^3] : hintName;
}
