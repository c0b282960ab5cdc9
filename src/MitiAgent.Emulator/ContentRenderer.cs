using System.Text;
using System.Text.Json;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator;

/// <summary>Renders message content as the plain text of history (spec §7).</summary>
internal static class ContentRenderer
{
    public static string Render(string msgType, JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Object)
        {
            return string.Empty;
        }

        switch (msgType)
        {
            case WireNames.MsgTypes.StreamFull:
                return GetString(content, "markdown");
            case WireNames.MsgTypes.Image:
            case WireNames.MsgTypes.Multimodal:
                var sb = new StringBuilder();
                if (content.TryGetProperty("images", out var images) && images.ValueKind == JsonValueKind.Array)
                {
                    foreach (var _ in images.EnumerateArray())
                    {
                        sb.Append(sb.Length == 0 ? "[image]" : " [image]");
                    }
                }

                string text = GetString(content, "text");
                if (text.Length > 0)
                {
                    sb.Append(sb.Length == 0 ? text : " " + text);
                }

                return sb.ToString();
            default:
                return GetString(content, "text");
        }
    }

    private static string GetString(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? string.Empty : string.Empty;
}
