using System.Globalization;
using System.Text;
using MitiAgent.Protocol;

namespace MitiAgent.Internal;

/// <summary>The <c>text</c>/<c>markdown</c> limit of spec §6.1 (20 000 characters).</summary>
internal static class TextLimits
{
    /// <summary>
    /// Counts characters as the reference (Python <c>len</c>) does: Unicode code points, so a surrogate pair counts once.
    /// </summary>
    public static int CountCharacters(string text)
    {
        if (text.Length <= WireNames.Defaults.MaxTextLength)
        {
            return text.Length;
        }

        int count = 0;
        foreach (Rune _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    /// <exception cref="ArgumentException">The text is null, empty, whitespace or longer than the limit.</exception>
    public static void Validate(string text, string paramName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text, paramName);
        int length = CountCharacters(text);
        if (length > WireNames.Defaults.MaxTextLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The text has {length} characters; at most {WireNames.Defaults.MaxTextLength} are allowed."),
                paramName);
        }
    }
}
