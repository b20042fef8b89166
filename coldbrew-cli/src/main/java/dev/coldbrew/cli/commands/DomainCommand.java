package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.DomainMapping;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.cli.ApiException;
import dev.coldbrew.cli.ClientCommand;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code coldbrew domain}: create, update, list, describe and delete DomainMappings, as {@code kn
 * domain}. {@code --ref} is {@code [ksvc:|route:]NAME[:NAMESPACE]}, a Service when no kind is
 * given.
 */
@Command(
    name = "domain",
    aliases = {"domains", "domainmapping", "dm"},
    mixinStandardHelpOptions = true,
    description = "Manage domain mappings: serve a Service or Route at a domain of your own.")
public class DomainCommand {
  private static final String REF_EXPECTED =
      "ksvc:NAME[:NAMESPACE], route:NAME[:NAMESPACE] or NAME (a Service)";

  /** The flags that set a mapping's spec, shared by create and update. */
  static class RefOptions {
    @Option(
        names = "--ref",
        paramLabel = "REF",
        description =
            "What the domain serves: ksvc:NAME[:NAMESPACE] (a Service, also plain NAME) or"
                + " route:NAME[:NAMESPACE] (a Route).")
    String ref;

    @Option(
        names = "--tls",
        paramLabel = "SECRET",
        description = "A TLS secret to terminate the domain's traffic with (not supported yet).")
    String tls;

    /** Sets what the flags give on {@code dm}. */
    void apply(DomainMapping dm, String namespace) {
      if (ref != null) {
        dm.spec.ref = parseRef(ref, namespace);
      }
      if (tls != null) {
        dm.spec.tls = new DomainMapping.SecretTls();
        dm.spec.tls.secretName = tls;
      }
    }

    /**
     * The API's refusal, each cause under {@code spec.ref} or {@code spec.tls} said as its flag.
     */
    ApiException explain(ApiException e) {
      Map<String, String> flagOf = new HashMap<>();
      if (ref != null) {
        flagOf.put("spec.ref", "--ref " + ref);
      }
      if (tls != null) {
        flagOf.put("spec.tls", "--tls " + tls);
      }
      return e.byFlag(flagOf, field -> field);
    }
  }

  /**
   * {@code --ref}'s value as a reference: {@code [ksvc:|route:|kroute:]NAME[:NAMESPACE]}, in {@code
   * namespace} unless it names one.
   *
   * @throws UsageException naming the flag, the value and what is expected
   */
  static DomainMapping.Reference parseRef(String value, String namespace) {
    String[] parts = value.split(":", -1);
    if (parts.length > 3 || value.isEmpty()) {
      throw new UsageException("--ref: \"" + value + "\" (expected: " + REF_EXPECTED + ")");
    }
    Kind kind = Kind.SERVICE;
    String name = parts[0];
    if (parts.length > 1) {
      kind =
          switch (parts[0]) {
            case "ksvc" -> Kind.SERVICE;
            case "route", "kroute" -> Kind.ROUTE;
            default ->
                throw new UsageException(
                    "--ref: \""
                        + value
                        + "\": \""
                        + parts[0]
                        + "\" is not a kind a domain can map to (expected: "
                        + REF_EXPECTED
                        + ")");
          };
      name = parts[1];
    }
    if (name.isEmpty()) {
      throw new UsageException("--ref: \"" + value + "\" (expected: " + REF_EXPECTED + ")");
    }
    DomainMapping.Reference ref = new DomainMapping.Reference();
    ref.apiVersion = kind.apiVersion();
    ref.kind = kind.kindName();
    ref.name = name;
    ref.namespace = parts.length == 3 && !parts[2].isEmpty() ? parts[2] : namespace;
    return ref;
  }

  /** {@code domain create NAME --ref REF}. */
  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a domain mapping.")
  public static class Create extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The domain, e.g. www.example.com.")
    String name;

    @Mixin RefOptions options;

    @Mixin EngineOptions engine;

    @Override
    public Integer call() {
      if (options.ref == null) {
        throw new UsageException("--ref: missing (expected: " + REF_EXPECTED + ")");
      }
      try (Resources res = Resources.of(this, engine)) {
        DomainMapping dm = new DomainMapping();
        dm.metadata.name = name;
        dm.metadata.namespace = namespace;
        options.apply(dm, namespace);
        if (res.get(Kind.DOMAIN_MAPPING, namespace, name).isPresent()) {
          throw new UserException(
              "domain mapping '" + name + "' already exists in namespace '" + namespace + "'");
        }
        try {
          res.create(dm);
        } catch (ApiException e) {
          throw options.explain(e);
        }
      }
      out().println("Domain mapping '" + name + "' created in namespace '" + namespace + "'.");
      out().flush();
      return 0;
    }
  }

  /** {@code domain update NAME --ref REF}. */
  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      description = "Update a domain mapping.")
  public static class Update extends ClientCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Mixin RefOptions options;

    @Mixin EngineOptions engine;

    @Override
    public Integer call() {
      try (Resources res = Resources.of(this, engine)) {
        DomainMapping dm =
            (DomainMapping)
                res.get(Kind.DOMAIN_MAPPING, namespace, name)
                    .orElseThrow(
                        () ->
                            new UserException(
                                GetCommand.notFound(Kind.DOMAIN_MAPPING, name, namespace)));
        options.apply(dm, namespace);
        try {
          res.update(dm);
        } catch (ApiException e) {
          throw options.explain(e);
        }
      }
      out().println("Domain mapping '" + name + "' updated in namespace '" + namespace + "'.");
      out().flush();
      return 0;
    }
  }

  /** {@code domain list [NAME]}. */
  @Command(
      name = "list",
      aliases = "ls",
      mixinStandardHelpOptions = true,
      description = "List domain mappings.")
  public static class ListCmd extends NounVerbs.ListVerb {
    @Override
    Kind kind() {
      return Kind.DOMAIN_MAPPING;
    }
  }

  /** {@code domain describe NAME}. */
  @Command(
      name = "describe",
      mixinStandardHelpOptions = true,
      description = "Show a domain mapping in detail.")
  public static class Describe extends NounVerbs.DescribeVerb {
    @Override
    Kind kind() {
      return Kind.DOMAIN_MAPPING;
    }
  }

  /** {@code domain delete NAME...}. */
  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete domain mappings.")
  public static class Delete extends NounVerbs.DeleteVerb {
    @Override
    Kind kind() {
      return Kind.DOMAIN_MAPPING;
    }

    @Override
    String deleted(String name) {
      return "Domain mapping '" + name + "' deleted in namespace '" + namespace + "'.";
    }
  }
}
