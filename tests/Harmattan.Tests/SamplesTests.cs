namespace Harmattan.Tests;

public class SamplesTests
{
    [Fact]
    public void The_recorded_samples_are_found_beside_the_repository()
    {
        Assert.SkipWhen(AirQinoSamples.Directory is null, AirQinoSamples.MissingReason);
        Assert.True(File.Exists(AirQinoSamples.PathOf(AirQinoSamples.Station1File)));
    }
}
