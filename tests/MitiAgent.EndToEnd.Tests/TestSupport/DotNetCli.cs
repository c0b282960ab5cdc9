namespace MitiAgent.EndToEnd.Tests.TestSupport;

/// <summary>
/// The <c>dotnet</c> CLI as tests run it. Every build, publish or run writes only under the artifacts folder it is
/// given (<c>--artifacts-path</c>), never into the repository's bin/obj folders, so a test neither disturbs the build
/// that runs it nor passes thanks to stale outputs.
/// </summary>
internal static class DotNetCli
{
    /// <summary>Generous: a cold build or a Native AOT publish on a busy 2-core machine takes minutes.</summary>
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Runs <c>dotnet build|publish|pack …</c> on <paramref name="project"/> (relative to the repository root) with
    /// <c>--artifacts-path <paramref name="artifactsPath"/></c>, no MSBuild node reuse, and <paramref name="extraArguments"/>.
    /// </summary>
    public static Task<(int ExitCode, string Output)> RunCommandAsync(string command, string project, string artifactsPath, params string[] extraArguments) =>
        ExternalProcess.RunAsync(
            "dotnet",
            [command, RepoPaths.Combine(project), "--artifacts-path", artifactsPath, "-nodeReuse:false", .. extraArguments],
            BuildTimeout);

    /// <summary>
    /// Starts <c>dotnet run --no-build -c <paramref name="configuration"/> --project <paramref name="project"/>
    /// --artifacts-path <paramref name="artifactsPath"/></c> (built before in the same configuration and artifacts path),
    /// then <c>-- <paramref name="programArguments"/></c>.
    /// </summary>
    public static ExternalProcess StartRun(string project, string artifactsPath, string configuration, IReadOnlyDictionary<string, string?>? environment = null, params string[] programArguments) =>
        ExternalProcess.Start(
            "dotnet",
            ["run", "--no-build", "-c", configuration, "--project", RepoPaths.Combine(project), "--artifacts-path", artifactsPath, .. programArguments.Length > 0 ? ["--", .. programArguments] : Array.Empty<string>()],
            environment: environment);

    /// <summary>Deletes a temporary folder, ignoring what cannot be deleted (a process may still hold a file).</summary>
    public static void DeleteQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
