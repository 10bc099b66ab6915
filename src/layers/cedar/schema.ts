// The Lattice Cedar schema (LATTICE-SPEC §3.5). Upstream evaluates without a schema; the
// CLI validates CedarPolicy text against it and reports type errors as warnings only.

export const LATTICE_CEDAR_SCHEMA = `namespace Lattice {
  entity Service = { namespace: String, name: String, kind: String };
  entity Group;
  entity User in [Group];

  entity SecretPath = { path: String, provider: String };
  entity SecurityOverride = { category: String, override_id: String };
  entity ExternalEndpoint = { host: String, port: String, protocol: String };
  entity Volume = { namespace: String, volume_id: String };
  entity ImageRef = { registry: String, name: String, tag: String };
  entity Mesh;
  entity Cluster = { environment?: String, region: String, tier: String };
  entity ApiRoute = { method: String, path: String };

  action AccessSecret appliesTo { principal: Service, resource: SecretPath };
  action OverrideSecurity appliesTo { principal: Service, resource: SecurityOverride };
  action AccessExternalEndpoint appliesTo { principal: Service, resource: ExternalEndpoint };
  action AccessVolume appliesTo { principal: Service, resource: Volume };
  action AllowWildcard appliesTo { principal: Service, resource: Mesh };
  action SkipImageVerification appliesTo { principal: Service, resource: ImageRef };
  action DeployImage appliesTo { principal: Service, resource: ImageRef };
  action AllowTagReference appliesTo { principal: Service, resource: ImageRef };

  action AccessCluster appliesTo {
    principal: [User, Group],
    resource: Cluster,
    context: { now: String, hour: Long, weekday: String, sourceIp: String,
               breakGlass: Bool, breakGlassExpires?: String, incidentId?: String }
  };
}
`
