using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace MitiAgent.Protocol.Tests;

/// <summary>Helpers to read, write and compare wire JSON with the <see cref="MitiJsonContext"/> type infos.</summary>
internal static class Wire
{
    public static MitiJsonContext Context => MitiJsonContext.Default;

    /// <summary>Deserializes <paramref name="json"/> and asserts the result is not null.</summary>
    public static T Read<T>(string json, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        T? value = JsonSerializer.Deserialize(json, typeInfo);
        Assert.NotNull(value);
        return value;
    }

    /// <summary>Serializes <paramref name="value"/> with the context.</summary>
    public static string Write<T>(T value, JsonTypeInfo<T> typeInfo) => JsonSerializer.Serialize(value, typeInfo);

    /// <summary>Serializes <paramref name="value"/> and asserts it is semantically equal to <paramref name="expectedJson"/>.</summary>
    public static void AssertWritesBack<T>(T value, JsonTypeInfo<T> typeInfo, string expectedJson) =>
        AssertEquivalent(expectedJson, Write(value, typeInfo));

    /// <summary>
    /// Asserts two JSON texts are equal as JSON (member order and whitespace ignored), after removing object
    /// members whose value is <c>null</c> from both (the context omits nulls when writing).
    /// </summary>
    public static void AssertEquivalent(string expectedJson, string actualJson)
    {
        JsonNode? expected = WithoutNullMembers(JsonNode.Parse(expectedJson));
        JsonNode? actual = WithoutNullMembers(JsonNode.Parse(actualJson));
        Assert.True(
            JsonNode.DeepEquals(expected, actual),
            $"JSON differs.{Environment.NewLine}Expected: {expected?.ToJsonString()}{Environment.NewLine}Actual:   {actual?.ToJsonString()}");
    }

    /// <summary>Removes, recursively and in place, every object member whose value is JSON <c>null</c>.</summary>
    public static JsonNode? WithoutNullMembers(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (string key in obj.Where(p => p.Value is null).Select(p => p.Key).ToList())
                {
                    obj.Remove(key);
                }

                foreach (KeyValuePair<string, JsonNode?> member in obj)
                {
                    WithoutNullMembers(member.Value);
                }

                break;
            case JsonArray array:
                foreach (JsonNode? item in array)
                {
                    WithoutNullMembers(item);
                }

                break;
        }

        return node;
    }

    /// <summary>Serializes <paramref name="value"/> and returns it as a <see cref="JsonObject"/>.</summary>
    public static JsonObject WriteObject<T>(T value, JsonTypeInfo<T> typeInfo) =>
        Assert.IsType<JsonObject>(JsonNode.Parse(Write(value, typeInfo)));

    /// <summary>The member names of <paramref name="obj"/>, sorted ordinally.</summary>
    public static string[] MemberNames(JsonObject obj) =>
        [.. obj.Select(p => p.Key).Order(StringComparer.Ordinal)];

    /// <summary>Asserts that <paramref name="obj"/> has exactly the members <paramref name="expected"/> (any order).</summary>
    public static void AssertMembers(JsonObject obj, params string[] expected) =>
        Assert.Equal([.. expected.Order(StringComparer.Ordinal)], MemberNames(obj));

    /// <summary>Parses <paramref name="element"/> (a content object) with the given content type info.</summary>
    public static T ReadContent<T>(JsonElement? element, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        Assert.True(element.HasValue, "content is missing");
        Assert.Equal(JsonValueKind.Object, element.Value.ValueKind);
        T? value = element.Value.Deserialize(typeInfo);
        Assert.NotNull(value);
        return value;
    }
}
