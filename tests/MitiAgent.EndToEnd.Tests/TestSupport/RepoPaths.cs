namespace MitiAgent.EndToEnd.Tests.TestSupport;

/// <summary>Paths inside the repository this test assembly was built from.</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    /// <summary>The folder holding MitiAgent.Generators.sln.</summary>
    public static string Root => LazyRoot.Value;

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A new empty folder under the system temp folder, named for the test.</summary>
    public static string NewTempFolder(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), "mitiagent-e2e", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MitiAgent.Generators.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"MitiAgent.Generators.sln not found above {AppContext.BaseDirectory}.");
    }
}
