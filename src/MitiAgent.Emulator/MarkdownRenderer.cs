using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace MitiAgent.Emulator;

/// <summary>
/// Renders an agent's markdown (<c>stream_full</c>) to HTML for the chat page, safely: raw HTML in the markdown is
/// escaped (Markdig with HTML disabled), and links or images whose URL is not http(s), mailto, a relative path or an
/// inline raster image lose their URL (no <c>javascript:</c>, <c>vbscript:</c>, <c>data:text/html</c> …).
/// </summary>
internal static class MarkdownRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .DisableHtml()
        .Build();

    public static string ToHtml(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var node in document.Descendants())
        {
            switch (node)
            {
                case LinkInline link when !IsSafeUrl(link.Url, link.IsImage):
                    link.Url = "#";
                    link.GetDynamicUrl = null;
                    break;
                case AutolinkInline autolink when !IsSafeUrl(autolink.Url, image: false):
                    autolink.Url = "#";
                    break;
                case LinkReferenceDefinition definition when !IsSafeUrl(definition.Url, image: false):
                    definition.Url = "#";
                    break;
            }
        }

        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    internal static bool IsSafeUrl(string? url, bool image)
    {
        if (string.IsNullOrEmpty(url))
        {
            return true;
        }

        // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:"): strip them first.
        string compact = new(url.Where(c => !char.IsControl(c) && !char.IsWhiteSpace(c)).ToArray());
        int colon = compact.IndexOf(':', StringComparison.Ordinal);
        int firstDelimiter = compact.IndexOfAny(['/', '?', '#']);
        if (colon < 0 || (firstDelimiter >= 0 && firstDelimiter < colon))
        {
            return true; // relative: no scheme
        }

        string scheme = compact[..colon].ToLowerInvariant();
        return scheme is "http" or "https"
            || (!image && scheme == "mailto")
            || (image && scheme == "data" && IsRasterDataUrl(compact));
    }

    private static bool IsRasterDataUrl(string url) =>
        url.StartsWith("data:image/png", StringComparison.OrdinalIgnoreCase)
        || url.StartsWith("data:image/jpeg", StringComparison.OrdinalIgnoreCase)
        || url.StartsWith("data:image/gif", StringComparison.OrdinalIgnoreCase)
        || url.StartsWith("data:image/webp", StringComparison.OrdinalIgnoreCase);
}
