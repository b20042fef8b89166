package dev.coldbrew.api.validation;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.config.DefaultsConfig;
import dev.coldbrew.api.config.DeploymentConfig;
import dev.coldbrew.api.config.DomainConfig;

/**
 * What validation and defaulting depend on: the platform's config sections and what the runtime can
 * run. Immutable and thread-safe.
 *
 * @param requireCommand true for the local runtime, which runs {@code command}/{@code args} and
 *     cannot pull an {@code image}, and supports only httpGet and tcpSocket probes
 */
public record ValidationContext(
    DefaultsConfig defaults,
    DeploymentConfig deployment,
    DomainConfig domain,
    AutoscalerConfig autoscaler,
    boolean requireCommand) {

  /** Knative's defaults, for the local runtime. */
  public static ValidationContext standard() {
    return new ValidationContext(
        DefaultsConfig.defaults(),
        DeploymentConfig.defaults(),
        DomainConfig.defaults(),
        AutoscalerConfig.defaults(),
        true);
  }

  /** This context with {@code requireCommand} changed (false for a Kubernetes runtime). */
  public ValidationContext withRequireCommand(boolean require) {
    return new ValidationContext(defaults, deployment, domain, autoscaler, require);
  }
}
