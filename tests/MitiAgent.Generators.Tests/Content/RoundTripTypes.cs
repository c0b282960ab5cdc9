using System.Text.Json.Serialization;
using MitiAgent.Protocol;

namespace MitiAgent.Generators.Tests.Content;

// Content types compiled by the real compiler with MitiAgent.Generators as an analyzer: the content generator writes
// their metadata into this assembly (MitiAgent.Generated.MitiContentJsonResolver); RoundTripReferenceContext is System.Text.Json's
// own generator output for the same types, with the options MitiContentJson uses.

/// <summary>A record with a primary constructor: decimal, list, nullable value, nested type.</summary>
public sealed record RtOrderCard(string OrderId, decimal Total, IReadOnlyList<RtLineItem> Items, DateTimeOffset? DueAt);

/// <summary>Nested record.</summary>
public sealed record RtLineItem(string Sku, int Quantity, RtColor Color = RtColor.DarkBlue);

/// <summary>An enum, written as its names.</summary>
public enum RtColor
{
    Red,
    DarkBlue,
}

/// <summary>A class with every member kind.</summary>
public sealed class RtEveryKind
{
    public required string Name { get; init; }

    [JsonPropertyName("customCount")]
    public int? Count { get; set; }

    [JsonIgnore]
    public string? Secret { get; set; }

    public Guid Id { get; set; }

    public RtColor Color { get; set; }

    public RtColor? MaybeColor { get; set; }

    public DateTime When { get; set; }

    public DateTimeOffset At { get; set; }

    public long[]? Numbers { get; set; }

    public List<string>? Tags { get; set; }

    public Dictionary<string, RtLineItem>? Map { get; set; }

    public IReadOnlyList<RtLineItem?>? Lines { get; init; }

    public bool Flag { get; set; }

    public double Ratio { get; set; }

    public float Small { get; set; }

    public byte Tiny { get; set; }

    public short Short { get; set; }

    public uint Unsigned { get; set; }

    public ulong BigUnsigned { get; set; }

    public char Letter { get; set; }

    public decimal Price { get; set; }

    public string? Note { get; set; }

    public TimeSpan Duration { get; set; }

    public string Computed => Name + "!";

    public ImageItem? Picture { get; set; }
}

/// <summary>Recursion: a type containing itself.</summary>
public sealed class RtNode
{
    public string Label { get; set; } = "";

    public RtNode? Next { get; set; }

    public List<RtNode> Children { get; set; } = [];
}

/// <summary>An agent whose typed handler and [MitiContent] declarations reach the types above.</summary>
[MitiContent(typeof(RtEveryKind))]
[MitiContent(typeof(RtNode))]
public partial class RoundTripAgent
{
    [OnMessage(MsgType = "order_card")]
    private static Task Order(MessageEvent<RtOrderCard> e, CancellationToken ct) =>
        e.ReplyAsync(OutgoingContent.Create("order_ack", new RtAck(e.Content.OrderId, e.Content.Items.Count)), ct);
}

/// <summary>Found through the OutgoingContent.Create call above.</summary>
public sealed record RtAck(string OrderId, int ItemCount);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(RtOrderCard))]
[JsonSerializable(typeof(RtEveryKind))]
[JsonSerializable(typeof(RtNode))]
[JsonSerializable(typeof(RtAck))]
internal sealed partial class RoundTripReferenceContext : JsonSerializerContext;
