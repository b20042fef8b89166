package dev.coldbrew.kubernetes;

import dev.coldbrew.api.autoscaling.AutoscalerConfig;
import dev.coldbrew.api.config.DefaultsConfig;
import dev.coldbrew.api.config.DeploymentConfig;
import dev.coldbrew.api.config.DomainConfig;
import dev.coldbrew.api.config.GcConfig;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.api.validation.ValidationException;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's config from Knative's ConfigMaps in the system namespace, followed as Knative's
 * controllers follow them: {@code config-autoscaler}, {@code config-defaults}, {@code
 * config-deployment}, {@code config-domain} and {@code config-gc}, each with the keys of the config
 * file's section of the same name ({@code docs/operations.md}); a missing ConfigMap or key is the
 * default the controller was started with ({@code --domain} for the domain). Each change is
 * validated whole: a valid config is handed on ({@link
 * dev.coldbrew.controller.ControllerManager#reconfigure}), an invalid one is logged with every bad
 * key and the config in force kept. Thread-safe (the informer's thread calls it).
 */
public final class ClusterConfig implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterConfig.class);

  /** The ConfigMaps read, as Knative names them. */
  static final List<String> NAMES =
      List.of(
          "config-autoscaler",
          "config-defaults",
          "config-deployment",
          "config-domain",
          "config-gc");

  private final String namespace;
  private final ValidationContext base;
  private final Consumer<ValidationContext> apply;
  private final SharedIndexInformer<ConfigMap> informer;
  private ValidationContext current; // under this

  private ClusterConfig(
      KubernetesClient client,
      String namespace,
      ValidationContext base,
      Consumer<ValidationContext> apply) {
    this.namespace = namespace;
    this.base = base;
    this.apply = apply;
    this.current = base;
    this.informer =
        client
            .configMaps()
            .inNamespace(namespace)
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(ConfigMap cm) {
                    changed(cm);
                  }

                  @Override
                  public void onUpdate(ConfigMap old, ConfigMap cm) {
                    changed(cm);
                  }

                  @Override
                  public void onDelete(ConfigMap cm, boolean unknownFinalState) {
                    changed(cm);
                  }
                },
                0);
  }

  /**
   * Follows the ConfigMaps of {@code namespace}: {@code apply} gets each valid config that differs
   * from the one in force, starting from {@code base} (the controller's own defaults).
   */
  static ClusterConfig follow(
      KubernetesClient client,
      String namespace,
      ValidationContext base,
      Consumer<ValidationContext> apply) {
    return new ClusterConfig(client, namespace, base, apply);
  }

  /**
   * The config the ConfigMaps of {@code namespace} give now, read once (for a command such as
   * {@code coldbrew apply --engine kubernetes}, which defaults as the cluster's controller does);
   * {@code base} where they are missing or cannot be read (a user not allowed to read them).
   *
   * @throws ValidationException naming every bad key as {@code config-defaults.KEY}
   */
  public static ValidationContext current(
      KubernetesClient client, String namespace, ValidationContext base) {
    try {
      return read(
          name -> {
            ConfigMap cm = client.configMaps().inNamespace(namespace).withName(name).get();
            return cm == null ? null : cm.getData() == null ? Map.of() : cm.getData();
          },
          base);
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() == 403) {
        return base;
      }
      throw e;
    }
  }

  private void changed(ConfigMap cm) {
    if (cm.getMetadata() != null && NAMES.contains(cm.getMetadata().getName())) {
      reload();
    }
  }

  private synchronized void reload() {
    ValidationContext next;
    try {
      next = read(this::data, base);
    } catch (ValidationException e) {
      LOG.error(
          "the ConfigMaps {} are not applied, the controller keeps the config it had: {}",
          NAMES,
          e.getMessage());
      return;
    }
    if (!next.equals(current)) {
      current = next;
      LOG.info("config from the ConfigMaps {} applied", NAMES);
      apply.accept(next);
    }
  }

  /** The data of the named ConfigMap as the informer holds it, or null. */
  private Map<String, String> data(String name) {
    ConfigMap cm = informer.getStore().getByKey(namespace + "/" + name);
    return cm == null ? null : cm.getData() == null ? Map.of() : cm.getData();
  }

  /**
   * The config the ConfigMaps {@code data} gives (by name; null: absent), sections they lack taken
   * from {@code base}.
   *
   * @throws ValidationException naming every bad key as {@code config-autoscaler.KEY}
   */
  static ValidationContext read(
      java.util.function.Function<String, Map<String, String>> data, ValidationContext base) {
    Map<String, String> autoscaler = data.apply("config-autoscaler");
    Map<String, String> defaults = data.apply("config-defaults");
    Map<String, String> deployment = data.apply("config-deployment");
    Map<String, String> gc = data.apply("config-gc");
    Map<String, String> domain = data.apply("config-domain");
    return new ValidationContext(
        defaults == null ? base.defaults() : DefaultsConfig.fromMap("config-defaults", defaults),
        deployment == null
            ? base.deployment()
            : DeploymentConfig.fromMap("config-deployment", deployment),
        domain == null ? base.domain() : DomainConfig.fromMap("config-domain", domain),
        autoscaler == null
            ? base.autoscaler()
            : AutoscalerConfig.fromMap("config-autoscaler", autoscaler),
        base.localRuntime(),
        base.defaultEngine(),
        gc == null ? base.gc() : GcConfig.fromMap("config-gc", gc));
  }

  @Override
  public void close() {
    informer.close();
  }
}
