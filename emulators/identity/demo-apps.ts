// Fixed identities of the demo world, shared by the identity emulator, both API emulators' seeds and the demo
// set-up. They are public on purpose: they only ever open the local emulators.

export const DEMO_TENANT_ID = "7e1a5b2c-3d4f-4a6b-8c9d-0e1f2a3b4c5d";
export const DEMO_ENVIRONMENT = "production";

export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  displayName: string;
  /** The Dataverse application user (systemuser) the token maps to, when the app is used against Dataverse. */
  dataverseUserId?: string;
}

/** The integration's own app: the sync engine authenticates as this one on both services. */
export const DEMO_INTEGRATION_APP: AppRegistration = {
  clientId: "3f6c2b1a-9d8e-4c7b-a6f5-e4d3c2b1a0f9",
  clientSecret: "demo-integration-secret",
  displayName: "bcsync integration",
  dataverseUserId: "a1b2c3d4-0001-4000-8000-000000000001",
};

/** A second principal for the same service: Microsoft's documented way to scale past one principal's limits. */
export const DEMO_INTEGRATION_APP_2: AppRegistration = {
  clientId: "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d",
  clientSecret: "demo-integration-secret-2",
  displayName: "bcsync integration (2)",
  dataverseUserId: "a1b2c3d4-0001-4000-8000-000000000002",
};

/** An app whose Dataverse user holds System Administrator: the integration must refuse it (seed S20). */
export const DEMO_ADMIN_APP: AppRegistration = {
  clientId: "9c8b7a6d-5e4f-4d3c-b2a1-0f9e8d7c6b5a",
  clientSecret: "demo-admin-secret",
  displayName: "bcsync admin (System Administrator)",
  dataverseUserId: "a1b2c3d4-0001-4000-8000-000000000003",
};

/**
 * The app id of the legacy connection string (`AuthType=OAuth;Username=…;Password=…;AppId=…`, older on-premises
 * versions, S20): a public client that signs a user in with a user name and password (the ROPC grant).
 */
export const DEMO_LEGACY_APP: AppRegistration = {
  clientId: "51f81489-12ee-4a9e-aaae-a2591f45987d",
  clientSecret: "",
  displayName: "Dynamics 365 connection string app (public client)",
};

export const DEMO_APPS: readonly AppRegistration[] = [
  DEMO_INTEGRATION_APP,
  DEMO_INTEGRATION_APP_2,
  DEMO_ADMIN_APP,
  DEMO_LEGACY_APP,
];

/** A user account the legacy connection string signs in with; its Dataverse user is a non-interactive integration user. */
export interface DemoUserAccount {
  userPrincipalName: string;
  password: string;
  /** Entra object id: the `oid` of its tokens and the systemuser's `azureactivedirectoryobjectid`. */
  objectId: string;
  dataverseUserId: string;
}

export const DEMO_INTEGRATION_USER: DemoUserAccount = {
  userPrincipalName: "bcsync.integration@contoso.example",
  password: "demo-integration-password",
  objectId: "6d0f4c1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f",
  dataverseUserId: "a1b2c3d4-0001-4000-8000-000000000004",
};

export const DEMO_USER_ACCOUNTS: readonly DemoUserAccount[] = [DEMO_INTEGRATION_USER];

/** A human Sales user, used for impersonation (`MSCRMCallerID`) and as the owner of demo rows. */
export const DEMO_SALES_USER_ID = "a1b2c3d4-0002-4000-8000-000000000001";

/** The audience Business Central tokens carry on the real service; the BC emulator accepts it too. */
export const BUSINESS_CENTRAL_AUDIENCE = "https://api.businesscentral.dynamics.com";
