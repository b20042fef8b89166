package dev.coldbrew.api.validation;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.config.DefaultsConfig;
import dev.coldbrew.api.config.DeploymentConfig;
import dev.coldbrew.api.config.DomainConfig;
import dev.coldbrew.api.config.GcConfig;
import dev.coldbrew.api.runtime.Engine;

/**
 * What validation, defaulting and the reconcilers depend on: the platform's config sections and
 * what the runtime can run. Immutable and thread-safe.
 *
 * @param localRuntime true for the local runtime: a container needs a {@code command} when it runs
 *     as a process and an {@code image} when it runs as a container ({@link Engine}), and only
 *     httpGet and tcpSocket probes are supported
 * @param defaultEngine the platform's default engine for revisions without the {@link
 *     Engine#ANNOTATION} annotation; null for {@code auto} (a {@code command} runs as a process, an
 *     image alone as a container)
 * @param gc when unrouted Revisions are deleted ({@code config-gc})
 */
public record ValidationContext(
    DefaultsConfig defaults,
    DeploymentConfig deployment,
    DomainConfig domain,
    AutoscalerConfig autoscaler,
    boolean localRuntime,
    Engine defaultEngine,
    GcConfig gc) {

  /** With the {@code auto} engine choice. */
  public ValidationContext(
      DefaultsConfig defaults,
      DeploymentConfig deployment,
      DomainConfig domain,
      AutoscalerConfig autoscaler,
      boolean localRuntime) {
    this(defaults, deployment, domain, autoscaler, localRuntime, null, GcConfig.defaults());
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

  /** The same with {@code domain} as the domain of Route URLs. */
  public ValidationContext withDomain(DomainConfig domain) {
    return new ValidationContext(
        defaults, deployment, domain, autoscaler, localRuntime, defaultEngine, gc);
  }

  /** This context with {@code localRuntime} changed (false for a Kubernetes runtime). */
  public ValidationContext withLocalRuntime(boolean local) {
    return new ValidationContext(
        defaults, deployment, domain, autoscaler, local, defaultEngine, gc);
  }

  /** This context with another default engine (null: {@code auto}). */
  public ValidationContext withDefaultEngine(Engine engine) {
    return new ValidationContext(
        defaults, deployment, domain, autoscaler, localRuntime, engine, gc);
  }

  /** This context with another revision GC config. */
  public ValidationContext withGc(GcConfig gc) {
    return new ValidationContext(
        defaults, deployment, domain, autoscaler, localRuntime, defaultEngine, gc);
  }
}
