namespace MitiAgent.Protocol.Tests;

/// <summary>The comparison helper must itself be able to fail, or the round-trip tests prove nothing.</summary>
public class WireHelperTests
{
    [Theory]
    [InlineData("""{"a":1,"b":null}""", """{"a":1}""")]
    [InlineData("""{"a":{"b":null,"c":[{"d":null,"e":2}]}}""", """{"a":{"c":[{"e":2}]}}""")]
    [InlineData("""{"b":2,"a":1}""", """{"a":1,"b":2}""")]
    [InlineData("""{"a": [1, 2]}""", """{"a":[1,2]}""")]
    public void Equivalent_JSON_passes(string expected, string actual) => Wire.AssertEquivalent(expected, actual);

    [Theory]
    [InlineData("""{"a":1}""", """{"a":2}""")]
    [InlineData("""{"a":1}""", """{"a":"1"}""")]
    [InlineData("""{"a":1}""", """{"a":1,"b":0}""")]
    [InlineData("""{"a":1,"b":0}""", """{"a":1}""")]
    [InlineData("""{"a":[1,2]}""", """{"a":[2,1]}""")]
    [InlineData("""{"a":[null]}""", """{"a":[]}""")]
    [InlineData("""{"a":{"b":true}}""", """{"a":{"b":false}}""")]
    [InlineData("""{"snake_case":1}""", """{"snakeCase":1}""")]
    public void Different_JSON_fails(string expected, string actual) =>
        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Wire.AssertEquivalent(expected, actual));
}
