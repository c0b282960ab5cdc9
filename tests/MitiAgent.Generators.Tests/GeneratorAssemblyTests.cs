using System.Reflection;
using System.Runtime.Versioning;

namespace MitiAgent.Generators.Tests;

/// <summary>The generator loads in every supported compiler: netstandard2.0, Roslyn pinned low (no CS9057).</summary>
public sealed class GeneratorAssemblyTests
{
    private static readonly Assembly Generator = typeof(MitiDispatchGenerator).Assembly;

    [Fact]
    public void Targets_netstandard2_0()
    {
        var framework = Generator.GetCustomAttribute<TargetFrameworkAttribute>();

        Assert.Equal(".NETStandard,Version=v2.0", framework?.FrameworkName);
    }

    [Fact]
    public void References_the_lowest_Roslyn_with_ForAttributeWithMetadataName()
    {
        var roslyn = Generator.GetReferencedAssemblies().Where(a => a.Name is "Microsoft.CodeAnalysis" or "Microsoft.CodeAnalysis.CSharp").ToArray();

        Assert.Equal(2, roslyn.Length);
        Assert.All(roslyn, a => Assert.Equal(new Version(4, 3, 0, 0), a.Version));
    }

    /// <summary>
    /// [GeneratedCode] carries the package version from git (MinVer): the generator and this test assembly are built
    /// from the same commit, so their informational versions agree; it is SemVer, never the 0.0.0.0 of an unversioned build.
    /// </summary>
    [Fact]
    public void Generated_code_carries_the_package_version_from_git()
    {
        string? testVersion = typeof(GeneratorAssemblyTests).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        Assert.NotNull(testVersion);

        Assert.Equal(testVersion.Split('+')[0], Infrastructure.GeneratorHarness.GeneratorVersion);
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$", Infrastructure.GeneratorHarness.GeneratorVersion);
        Assert.Contains("+", Generator.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion, StringComparison.Ordinal);
    }

    [Fact]
    public void References_no_runtime_assembly()
    {
        Assert.DoesNotContain(Generator.GetReferencedAssemblies(), a => a.Name is "MitiAgent" or "MitiAgent.Protocol");
    }
}
