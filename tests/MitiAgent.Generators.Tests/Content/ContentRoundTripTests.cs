using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MitiAgent.Generated;
using MitiAgent.Protocol;

namespace MitiAgent.Generators.Tests.Content;

/// <summary>
/// The metadata the content generator wrote for <see cref="RoundTripTypes"/>' types (compiled by the real compiler)
/// against System.Text.Json's own source-generated context for the same types: the same JSON text both ways, and
/// serialize → deserialize → equal.
/// </summary>
public sealed class ContentRoundTripTests
{
    /// <summary>Only the generated resolver: nothing can fall back to STJ's context or to reflection.</summary>
    private static readonly JsonSerializerOptions Generated = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = MitiContentJsonResolver.Instance,
    };

    private static readonly RtOrderCard Order = new("o-1", 12.50m, [new RtLineItem("a", 2, RtColor.Red), new RtLineItem("b", 1)], new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.FromHours(8)));

    private static RtEveryKind Every() => new()
    {
        Name = "every",
        Count = 3,
        Secret = "never written",
        Id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
        Color = RtColor.DarkBlue,
        MaybeColor = RtColor.Red,
        When = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        At = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Numbers = [1, long.MaxValue],
        Tags = ["x", "y"],
        Map = new Dictionary<string, RtLineItem> { ["k"] = new("s", 1) },
        Lines = [new RtLineItem("l", 4), null],
        Flag = true,
        Ratio = 0.25,
        Small = 1.5f,
        Tiny = 255,
        Short = -3,
        Unsigned = 7,
        BigUnsigned = ulong.MaxValue,
        Letter = 'z',
        Price = 19.99m,
        Note = null,
        Duration = TimeSpan.FromMinutes(90),
        Picture = new ImageItem { Url = "https://x.test/a.png", MimeType = "image/png" },
    };

    private static RtNode Tree()
    {
        var leaf = new RtNode { Label = "leaf" };
        return new RtNode { Label = "root", Next = new RtNode { Label = "next" }, Children = [leaf, new RtNode { Label = "other", Children = [new RtNode { Label = "deep" }] }] };
    }

    [Fact]
    public void A_record_with_a_primary_constructor_matches_STJ_and_round_trips()
    {
        string ours = JsonSerializer.Serialize(Order, Info<RtOrderCard>());
        Assert.Equal(JsonSerializer.Serialize(Order, RoundTripReferenceContext.Default.RtOrderCard), ours);
        Assert.Contains("\"order_id\":\"o-1\"", ours, StringComparison.Ordinal);
        Assert.Contains("\"color\":\"Red\"", ours, StringComparison.Ordinal);

        RtOrderCard back = JsonSerializer.Deserialize(ours, Info<RtOrderCard>())!;
        Assert.Equal(Order.OrderId, back.OrderId);
        Assert.Equal(Order.Total, back.Total);
        Assert.Equal(Order.Items, back.Items);
        Assert.Equal(Order.DueAt, back.DueAt);
        Assert.Equal(ours, JsonSerializer.Serialize(back, Info<RtOrderCard>()));
    }

    [Fact]
    public void Every_member_kind_matches_STJ_and_round_trips()
    {
        RtEveryKind value = Every();
        string ours = JsonSerializer.Serialize(value, Info<RtEveryKind>());
        Assert.Equal(JsonSerializer.Serialize(value, RoundTripReferenceContext.Default.RtEveryKind), ours);
        Assert.Contains("\"customCount\":3", ours, StringComparison.Ordinal);
        Assert.Contains("\"maybe_color\":\"Red\"", ours, StringComparison.Ordinal);
        Assert.DoesNotContain("never written", ours, StringComparison.Ordinal);
        Assert.DoesNotContain("\"note\"", ours, StringComparison.Ordinal);

        RtEveryKind back = JsonSerializer.Deserialize(ours, Info<RtEveryKind>())!;
        Assert.Equal(ours, JsonSerializer.Serialize(back, Info<RtEveryKind>()));
        Assert.Null(back.Secret);
        Assert.Equal(value.Map!["k"], back.Map!["k"]);
        Assert.Equal(value.Lines, back.Lines);

        // STJ reads our text into the same value, and we read STJ's.
        RtEveryKind viaReference = JsonSerializer.Deserialize(ours, RoundTripReferenceContext.Default.RtEveryKind)!;
        Assert.Equal(ours, JsonSerializer.Serialize(viaReference, Info<RtEveryKind>()));
    }

    [Fact]
    public void Recursive_types_match_STJ_and_round_trip()
    {
        RtNode tree = Tree();
        string ours = JsonSerializer.Serialize(tree, Info<RtNode>());
        Assert.Equal(JsonSerializer.Serialize(tree, RoundTripReferenceContext.Default.RtNode), ours);
        RtNode back = JsonSerializer.Deserialize(ours, Info<RtNode>())!;
        Assert.Equal("deep", back.Children[1].Children[0].Label);
        Assert.Equal(ours, JsonSerializer.Serialize(back, Info<RtNode>()));
    }

    [Fact]
    public void A_type_found_through_an_OutgoingContent_Create_call_matches_STJ()
    {
        var ack = new RtAck("o-9", 4);
        Assert.Equal(JsonSerializer.Serialize(ack, RoundTripReferenceContext.Default.RtAck), JsonSerializer.Serialize(ack, Info<RtAck>()));
        Assert.Equal("""{"order_id":"o-9","item_count":4}""", OutgoingContent.Create("order_ack", ack).Content.GetRawText());
    }

    [Fact]
    public void Required_members_and_wrong_shapes_fail_like_STJ()
    {
        const string missingName = """{"id":"0f8fad5b-d9cb-469f-a165-70867728950e"}""";
        var ours = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(missingName, Info<RtEveryKind>()));
        var reference = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(missingName, RoundTripReferenceContext.Default.RtEveryKind));
        Assert.Equal(reference.Path, ours.Path);

        const string wrongType = """{"order_id":"o","total":"many","items":[]}""";
        var ours2 = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(wrongType, Info<RtOrderCard>()));
        Assert.Equal("$.total", ours2.Path);
    }

    [Fact]
    public void The_generated_resolver_is_registered_with_the_runtime_when_the_assembly_loads()
    {
        Assert.Same(typeof(RtOrderCard), MitiContentJson.GetTypeInfo<RtOrderCard>().Type);
        Assert.Same(typeof(RtNode), MitiContentJson.GetTypeInfo<RtNode>().Type);
        Assert.Null(((IJsonTypeInfoResolver)MitiContentJsonResolver.Instance).GetTypeInfo(typeof(Uri), Generated));
    }

    private static JsonTypeInfo<T> Info<T>() => (JsonTypeInfo<T>)Generated.GetTypeInfo(typeof(T));
}

/// <summary>[MitiJsonContext]: the user's context is registered by the generated module initializer and used instead.</summary>
public sealed class UserJsonContextTests
{
    [Fact]
    public void The_agents_own_context_describes_its_types_with_the_SDKs_naming()
    {
        Assert.Null(((System.Text.Json.Serialization.Metadata.IJsonTypeInfoResolver)MitiAgent.Generated.MitiContentJsonResolver.Instance)
            .GetTypeInfo(typeof(RtPoll), MitiContentJson.Options));
        var info = MitiContentJson.GetTypeInfo<RtPoll>();
        Assert.Equal("""{"question":"Lunch?","options":["noodles","rice"]}""", JsonSerializer.Serialize(new RtPoll("Lunch?", ["noodles", "rice"]), info));
        Assert.Equal("""{"question":"Lunch?","options":["a"]}""", OutgoingContent.Create("poll", new RtPoll("Lunch?", ["a"]), info).Content.GetRawText());
    }
}
