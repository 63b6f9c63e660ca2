using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Harmattan.Hosting;

public static class OptionsRegistration
{
    /// <summary>
    /// Binds a section, validates its data annotations (plus <paramref name="validate"/>) and fails at
    /// start-up with the messages, which name the configuration key and the fix. A key under the section that is
    /// none of <typeparamref name="T"/>'s settings (nor of <paramref name="sectionSharedWith"/>'s, options bound from the
    /// same section) is refused too.
    /// </summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section,
        Func<T, string?>? validate = null, params Type[] sectionSharedWith)
        where T : class
    {
        var builder = services.AddOptions<T>()
            .BindConfiguration(section, o => o.ErrorOnUnknownConfiguration = false)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (validate is not null)
            services.AddSingleton<IValidateOptions<T>>(new DelegateValidator<T>(validate));
        if (!services.Any(d => d.ServiceType == typeof(UnknownSettings.Validator<T>)))
        {
            Type[] types = [typeof(T), .. sectionSharedWith];
            services.AddSingleton(provider => new UnknownSettings.Validator<T>(provider.GetRequiredService<IConfiguration>(), section, types));
            services.AddSingleton<IValidateOptions<T>>(provider => provider.GetRequiredService<UnknownSettings.Validator<T>>());
        }
        return builder;
    }

    private sealed class DelegateValidator<T>(Func<T, string?> validate) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            validate(options) is { } error ? ValidateOptionsResult.Fail(error) : ValidateOptionsResult.Success;
    }
}
