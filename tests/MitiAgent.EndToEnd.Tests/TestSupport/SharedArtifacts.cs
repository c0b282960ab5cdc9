namespace MitiAgent.EndToEnd.Tests.TestSupport;

/// <summary>
/// One <c>--artifacts-path</c> folder for the Release builds of this test run that may share their project
/// references (the runtime, the wire model, the generator and analyzers are then compiled once per run, not once per
/// fixture). It is new for every run, so no output of an earlier run or of the repository's own build is reused; it
/// is deleted when the "external builds" collection ends (<see cref="SharedArtifactsCleanup"/>).
/// </summary>
internal static class SharedArtifacts
{
    private static readonly Lazy<string> LazyPath = new(() => RepoPaths.NewTempFolder("artifacts"));

    /// <summary>The folder (created on first use).</summary>
    public static string Path => LazyPath.Value;

    /// <summary>Deletes the folder if a test created it.</summary>
    public static void DeleteIfCreated()
    {
        if (LazyPath.IsValueCreated)
        {
            DotNetCli.DeleteQuietly(LazyPath.Value);
        }
    }
}

/// <summary>
/// Collection fixture of <see cref="ExternalBuildsCollection"/>: deletes <see cref="SharedArtifacts"/> and the shared
/// packaging folder (<see cref="Packaging.PackagesFixture"/>) once every test
/// of the collection ran (the test host may end without running process-exit handlers).
/// </summary>
public sealed class SharedArtifactsCleanup : IDisposable
{
    public void Dispose()
    {
        SharedArtifacts.DeleteIfCreated();
        Packaging.PackagesFixture.DeleteIfCreated();
    }
}
