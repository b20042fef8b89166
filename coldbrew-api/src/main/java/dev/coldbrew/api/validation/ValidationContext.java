package dev.coldbrew.api.validation;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.config.DefaultsConfig;
import dev.coldbrew.api.config.DeploymentConfig;
import dev.coldbrew.api.config.DomainConfig;
import dev.coldbrew.api.runtime.Engine;

/**
 * What validation and defaulting depend on: the platform's config sections and what the runtime can
 * run. Immutable and thread-safe.
 *
 * @param localRuntime true for the local runtime: a container needs a {@code command} when it runs
 *     as a process and an {@code image} when it runs as a container ({@link Engine}), and only
 *     httpGet and tcpSocket probes are supported
 * @param defaultEngine the platform's default engine for revisions without the {@link
 *     Engine#ANNOTATION} annotation; null for {@code auto} (a {@code command} runs as a process, an
 *     image alone as a container)
 */
public record ValidationContext(
    DefaultsConfig defaults,
    DeploymentConfig deployment,
    DomainConfig domain,
    AutoscalerConfig autoscaler,
    boolean localRuntime,
    Engine defaultEngine) {

  /** With the {@code auto} engine choice. */
  public ValidationContext(
      DefaultsConfig defaults,
      DeploymentConfig deployment,
      DomainConfig domain,
      AutoscalerConfig autoscaler,
      boolean localRuntime) {
    this(defaults, deployment, domain, autoscaler, localRuntime, null);
  }

  /** Knative's defaults, for the local runtime. */
  public static ValidationContext standard() {
    return new ValidationContext(
        DefaultsConfig.defaults(),
        DeploymentConfig.defaults(),
        DomainConfig.defaults(),
        AutoscalerConfig.defaults(),
        true);
  }

  /** This context with {@code localRuntime} changed (false for a Kubernetes runtime). */
  public ValidationContext withLocalRuntime(boolean local) {
    return new ValidationContext(defaults, deployment, domain, autoscaler, local, defaultEngine);
  }

  /** This context with another default engine (null: {@code auto}). */
  public ValidationContext withDefaultEngine(Engine engine) {
    return new ValidationContext(defaults, deployment, domain, autoscaler, localRuntime, engine);
  }
}
