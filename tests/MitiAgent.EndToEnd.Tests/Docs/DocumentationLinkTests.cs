using System.Text.RegularExpressions;
using MitiAgent.EndToEnd.Tests.TestSupport;

namespace MitiAgent.EndToEnd.Tests.Docs;

/// <summary>
/// The documentation a user reads in a clone or on a package page: every relative link points at a file inside the
/// repository (never at ../shared or another path outside the clone), and every #anchor at a heading of that file.
/// </summary>
public sealed partial class DocumentationLinkTests
{
    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>();
        foreach (var file in new[] { "README.md", "CONTRIBUTING.md", "CHANGELOG.md" })
        {
            data.Add(file);
        }

        foreach (var folder in new[] { "docs", "src", "templates" })
        {
            foreach (var path in Directory.EnumerateFiles(RepoPaths.Combine(folder), "*.md", SearchOption.AllDirectories)
                         .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                                     && !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                         .Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(RepoPaths.Root, path));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void Relative_links_point_inside_the_repository_at_existing_files_and_headings(string document)
    {
        string path = RepoPaths.Combine(document);
        string text = File.ReadAllText(path);
        Assert.DoesNotContain("shared/protocol", text, StringComparison.Ordinal);

        string root = Path.GetFullPath(RepoPaths.Root) + Path.DirectorySeparatorChar;
        var problems = new List<string>();
        foreach (Match link in MarkdownLink().Matches(WithoutCodeBlocks(text)))
        {
            string target = link.Groups["target"].Value;
            if (target.StartsWith("http://", StringComparison.Ordinal) || target.StartsWith("https://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }

            string[] parts = target.Split('#', 2);
            string file = parts[0].Length == 0 ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, parts[0]));
            if (!file.StartsWith(root, StringComparison.Ordinal))
            {
                problems.Add($"{target}: outside the repository");
                continue;
            }

            if (!File.Exists(file) && !Directory.Exists(file))
            {
                problems.Add($"{target}: no such file");
                continue;
            }

            if (parts.Length == 2 && file.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllText(file)).Contains(parts[1]))
            {
                problems.Add($"{target}: no heading with the anchor #{parts[1]}");
            }
        }

        Assert.True(problems.Count == 0, document + ":\n" + string.Join("\n", problems));
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation other than '-' removed, spaces as '-'.</summary>
    private static HashSet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (string line in WithoutCodeBlocks(markdown).Split('\n'))
        {
            var heading = Heading().Match(line);
            if (heading.Success)
            {
                string title = heading.Groups["title"].Value.Trim().Replace("`", "", StringComparison.Ordinal).ToLowerInvariant();
                anchors.Add(new string(title.Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_').ToArray()).Replace(' ', '-'));
            }
        }

        return anchors;
    }

    private static string WithoutCodeBlocks(string markdown) => CodeBlock().Replace(markdown.ReplaceLineEndings("\n"), string.Empty);

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+)$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^```.*?^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex CodeBlock();
}
