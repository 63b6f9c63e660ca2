using Harmattan.Loader;

namespace Harmattan.Tests.Loader;

public class ArchiveOptionsTests
{
    [Theory]
    [InlineData("30 3 * * *", null)]
    [InlineData("0 4 29 2 *", null)] // every leap year
    [InlineData("30 3 31 4 *", "Archive:PruneCron '30 3 31 4 *' never occurs (a day its month does not have?): use e.g. \"30 3 * * *\".")]
    [InlineData("30 3 * * 8", "Archive:PruneCron '30 3 * * 8' is not a valid five-field cron expression")]
    public void The_prune_schedule_must_be_a_cron_expression_that_occurs(string cron, string? problem)
    {
        var found = ArchiveOptions.Validate(new ArchiveOptions { PruneCron = cron });

        if (problem is null)
            Assert.Null(found);
        else
            Assert.StartsWith(problem, found);
    }
}
