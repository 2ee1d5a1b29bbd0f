# modelgate's portal and API messages, English (the reference every other language
# translates). Ids are stable; rule ids, error codes, scope names and license texts stay
# the same in every language.

## Navigation and page frame

nav-label = Main
nav-models = Models
nav-profile = Profile
nav-tokens = API tokens
nav-audit = Audit
nav-statistics = Statistics
nav-reviews = Reviews
nav-admin = Admin
nav-signed-in-as = Signed in as { $email }
nav-sign-out = Sign out
nav-sign-in = Sign in
nav-create-account = Create account
footer-tagline = modelgate: licensed, region-aware model distribution.
language-switcher = Language

## Catalog and model pages

catalog-title = Models
catalog-signin-hint = Sign in to see which models you can get.
catalog-empty = No models are published yet.
model-license-tag = license: { $license }
model-files-size = { $files ->
    [one] 1 file, { $size }
   *[other] { $files } files, { $size }
}
model-revision = Revision
model-your-access = Your access:
model-why = Why
model-rule = Rule
catalog-clause = Regional clause: { $clause }
catalog-no-clause = No regional clause of its license reaches this model.
catalog-clause-unknown = The gateway has no license pack for this model's license: it is not available.
model-clause-cited = { $clause } ({ $license }, version { $version })
model-review-case = Compliance review
model-geo-country = Your request appears to come from { $country }.
model-get-links = Get download links
model-request-review = Request access (opens a review)
model-request-anyway = Request access anyway (the refusal is recorded)
model-license-version = version { $version }
model-license-binding = The license and the Acceptable Use Policy are shown as published; that text is the binding one, and this page's translation of everything around it is for your convenience.
model-license = License
model-aup = Acceptable Use Policy
model-accepted = You accepted this version. Digest:
model-acceptance-proof = Download the proof of your acceptance
model-acceptance-proof-hint = A receipt from the audit log that verifies offline with
model-accepting-digest = You are accepting the documents with this digest:
model-agree = I have read and accept the license and the Acceptable Use Policy
model-accept = Accept license
model-card = Model card
notice-accepted = You accepted the license.
notice-review = Your request was sent to compliance review; this page shows its state.

## Whether the visitor can get a model

availability-signin-label = Sign in
availability-signin-sentence = Sign in to see whether you can get this model.
availability-attest-label = Declare domicile
availability-attest-sentence = Declare where you are domiciled in your profile; the license terms depend on it.
availability-allow-label = Available
availability-allow-sentence = You can download this model.
availability-review-label = Needs review
availability-review-sentence = Your request needs a compliance review before a download is allowed.
availability-accept-label = Accept the license
availability-accept-sentence = Accept the current license and Acceptable Use Policy to download this model.
availability-deny-label = Not available to you
availability-deny-sentence = You cannot download this model.

## Downloads

downloads-title = Download { $model }
downloads-allowance = These links work until { $expires }, for up to { $copies ->
    [one] 1 copy
   *[other] { $copies } copies
} of each file per period of that length, counted in bytes across all your links (an interrupted download costs only what it received, so resuming it is fine).
downloads-file = File
downloads-size = Size
downloads-left = Downloads left
downloads-decision-entry = The decision that allowed this download is this entry of the audit log:
downloads-decision-proof = Download the proof of this decision
downloads-decision-proof-hint = Ready within a second; it verifies offline with
downloads-terminal = From a terminal
downloads-client = The modelgate client checks the signature, downloads in parallel, resumes and verifies every file. It needs an API token:
downloads-curl = Or one file with curl (-C - resumes), then check its SHA-256 against the table:

## Error pages

error-page-code = Error code:
error-page-back = Back to the models
portal-csrf-failed = this form expired or came from another site; reload the page and try again
portal-sign-in-required = sign in to continue
portal-internal = something went wrong on our side; the error was logged
portal-form-unreadable = the form could not be read: { $detail }
portal-tick-to-accept = tick the box to accept the license
proofs-no-acceptance = you have not accepted a license yet

## Profile and declarations

profile-title = Your profile
profile-signed-in-as = Signed in as { $email } ({ $role }).
profile-saved = Your declaration was recorded.
profile-current = Current declaration
profile-legal-name = Legal name
profile-domicile = Domicile
profile-on-behalf-of = On behalf of
profile-principal-place = principal place of business: { $country }
profile-recorded = Recorded
profile-declare-first = State where you are domiciled before you accept a license: the license's terms depend on it.
profile-change = Change your declaration
profile-declare = Declare your domicile
profile-domicile-country = Country of domicile
profile-who-accepts = Who accepts the license?
profile-as-individual = Myself, as an individual
profile-as-organisation = An organisation I act for
profile-organisation-name = Organisation name (if acting for one)
profile-organisation-country = Organisation's principal place of business
profile-history-hint = A new declaration replaces the current one; earlier ones are kept as history.
profile-save = Save declaration
profile-territories = Territories of use
profile-users = Monthly active users
profile-territories-question = Countries where you will use or deploy the models (ISO codes, comma-separated)
profile-territories-hint = Asked by licenses that restrict where their models may be used: { $licenses }.
profile-users-question = Monthly active users of your products and services
profile-users-hint = Asked by licenses that need a separate agreement above a number of monthly active users: { $licenses }.
form-choose-band = Choose a range
band-up-to-1m = Up to 1 million
band-up-to-10m = 1 to 10 million
band-up-to-100m = 10 to 100 million
band-up-to-700m = 100 to 700 million
band-up-to-1b = 700 million to 1 billion
band-over-1b = More than 1 billion
form-choose-country = Choose a country

## Sign-up, sign-in and address confirmation

sign-up-title = Create your account
sign-email = Email
sign-password = Password
sign-password-hint = At least 12 characters.
sign-have-account = Already have an account?
sign-new-here = New here?
signup-thanks = Thank you: { $next }.
signup-next-confirm-email = if the address is new, its account was created and a confirmation link mailed to it; follow the link, then sign in
signup-next-sign-in = if the address is new, its account was created; sign in
signup-verification-resent = if the address has an account whose address is not yet confirmed, a new link was mailed to it
verify-title = Confirm your email address
verify-explanation = Confirming proves this address is yours and sets the password you chose when you signed up; every earlier session of the account ends.
verify-confirm = Confirm my address
verify-confirmed = Your email address is confirmed. Sign in to go on.

## API tokens

tokens-intro = Tokens let the modelgate CLI, curl and Hugging Face clients act for you.
tokens-new = Your new token.
tokens-copy-now = Copy it now: it is not shown again.
tokens-name = Name
tokens-expires-after = Expires after (days)
tokens-scopes = Scopes
tokens-scopes-hint = read: see models and your account; download: ask for access and download; accept: accept licenses.
tokens-create = Create token
tokens-yours = Your tokens
tokens-none = No tokens yet.
tokens-created = Created
tokens-expires = Expires
tokens-last-used = Last used
tokens-actions = Actions
tokens-never = never
tokens-expiry-not-number = the expiry must be a number of days
state-revoked = revoked
action-revoke = Revoke

## States of reviews and decisions

state-open = open
state-approved = approved
state-denied = denied
state-superseded = superseded
state-all = all
state-allow = allowed
state-review = review
state-deny = denied

## Review queue

reviews-title = Review queue
reviews-showing = Showing:
reviews-case = Case
reviews-requested-by = Requested by
reviews-opened = Opened
reviews-declared = Declared
reviews-geo-country = GeoIP country
reviews-decided-by = Decided by
reviews-note = Note (required)
reviews-approve = Approve
reviews-deny = Deny
reviews-none = No cases here.
reviews-declared-domicile = domicile { $domicile }
reviews-declared-for = domicile { $domicile }, for { $organisation } ({ $country })

## Audit log and statistics

audit-title = Audit log
audit-verified = Log verified
audit-verification-failed = Log verification FAILED
audit-kind = Event kind
audit-outcome = Outcome
audit-model = Model
audit-user = User id or staff email
audit-country = Country
audit-organisation = Organisation
audit-partner = Partner
audit-search = Search
audit-export-csv = Export CSV
audit-export-jsonl = Export JSONL
audit-events = Events ({ $count })
audit-events-first = Events (first { $count })
audit-time = Time (UTC)
audit-actor = Actor
audit-subject = Subject
audit-details = Details
audit-event = Event { $seq }
audit-next-page = Next page
period-since = Since
period-until = Until
stats-title = Decision statistics
stats-show = Show
stats-open-cases = { $count ->
    [one] 1 review case is open.
   *[other] { $count } review cases are open.
}
stats-open-queue = Open the queue
stats-by-country = Decisions by licensee country
stats-none = No decisions in this period.
stats-chart-title = Access decisions by licensee country: allowed, sent to review, denied
stats-by-country-model-outcome = By country, model and outcome
stats-decisions = Decisions

## Administration

admin-title = Administration
admin-licenses = Licenses
admin-partners = Partners
admin-models = Models and revisions
admin-published = Published
admin-files = Files
admin-no-models = No models are published yet. Publish one with
admin-license-published = Published { $at } by { $by }
admin-shipped-bundle = the shipped bundle
admin-acceptances = Acceptances ({ $count }) and revocations
admin-account = Account
admin-version = Version
admin-accepted = Accepted
admin-licensee-country = Licensee country
admin-terminate = Terminate
admin-reason = Reason
admin-publish-license = Publish a new license version
admin-license-id = License id
admin-license-title = Title
admin-modalities = Modalities it covers
admin-license-text = License text
admin-publish-hint = Everyone must accept the new version before their next download.
admin-publish-version = Publish version
admin-partner-name = Name
admin-principal-place = Principal place of business
admin-contact = Contact
admin-since = Since
admin-add-partner = Add a partner
admin-contact-email = Contact email
admin-create-partner = Create partner
admin-license-published-notice = Published { $license } version { $version } (sha256:{ $digest }).
admin-partner-created = Partner { $name } created. Give them this partner token now; it is not shown again:

## Mail

mail-verify-subject = Confirm your email address for modelgate
mail-verify-body =
    Follow this link to confirm that this address is yours:

    { $link }

    The link works once, for { $hours } hours, and sets the password chosen when
    signing up. Until the address is confirmed, the account cannot declare,
    accept a license or download gated models.
    If you did not sign up, ignore this message.
mail-taken-subject = Someone tried to sign up with your address
mail-taken-body =
    Someone, perhaps you, asked to create a modelgate account for this address.
    It already has one, so nothing was created. Sign in at { $signin }.
    If it was not you, you can ignore this message.

## The rules that decide (by rule id; the rule ids themselves never change)

rule-reason-end-user-carve-out = end users of a product that incorporates the model are not restricted by the license's EU clause
rule-reason-eu-multimodal-withheld = the license does not grant multimodal models to individuals domiciled in the EU or companies with their principal place of business there
clause-llama-3-2-regional = Llama 3.2 license, section 4: Multimodal Models and the European Union
rule-reason-license-accepted = the licensee accepted the current version of the license and acceptable use policy
rule-reason-license-acceptance-required = the current version of the license and acceptable use policy has not been accepted
rule-reason-partner-may-mirror = the partner accepted the current license and may distribute this model
rule-reason-partner-only-partners-mirror = only partners may mirror models
rule-reason-review-clause-region-location = the request comes from a location in a region the license's clause restricts, which the declaration does not name
rule-reason-review-european-location = the request comes from an unspecified European location
rule-reason-review-anonymising-proxy = the request comes through an anonymising proxy
rule-reason-review-approved = compliance staff reviewed and approved this licensee for this model
rule-reason-review-denied = compliance staff reviewed and denied this licensee for this model
rule-reason-review-declaration-changed = the licensee changed their declaration (domicile, organisation or its country) after a compliance review denied them or while a review is open
rule-reason-review-pending = a compliance review of this licensee for this model is open
rule-reason-review-denied-for-another-model = compliance staff denied this licensee another model that a regional clause restricts
rule-reason-review-monthly-active-users = the licensee's declared monthly active users may exceed the license's limit, above which a separate agreement is required
rule-reason-license-terms-unknown = the gateway has no license pack for this model's license, so its terms cannot be enforced
rule-reason-declaration-territory-required = the license restricts where its models may be used; declare the territories where you will use or deploy the model
rule-reason-declaration-monthly-active-users-required = the license limits the monthly active users of licensees' products; declare yours before receiving its models
rule-reason-embargo-licensee = the operator does not distribute models to licensees domiciled, established or deploying in an embargoed country
rule-reason-embargo-location = the request comes from an embargoed country
rule-reason-eu-llama-4-withheld = the license does not grant its models to individuals domiciled in the EU or companies with their principal place of business there
rule-reason-territory-hunyuan-excluded = the license grants no rights to use or deploy its models in the European Union, the United Kingdom or South Korea

## The license clauses decisions cite (by license id; shown while the pack's own title is this text)

clause-llama-3-2-users = Llama 3.2 license, section 6: Very large services
clause-llama-3-1-users = Llama 3.1 license, section 2: Additional Commercial Terms
clause-llama-4-regional = Llama 4 license, section 3: Multimodal Models and the European Union
clause-llama-4-users = Llama 4 license, section 2: Additional Commercial Terms
clause-hunyuan-regional = Hunyuan license, section 3: Excluded Territories
clause-hunyuan-users = Hunyuan license, section 2: Additional Commercial Terms
rule-reason-revocation-entitlement-revoked = the licensee's license was terminated

## API error messages (by error code; the codes never change)

error-bad-request = { $detail }
error-invalid-digest = invalid digest: { $detail }
error-invalid-model-id = invalid model id: { $detail }
error-model-not-found = model `{ $model }` not found
error-revision-not-found = revision `{ $revision }` not found
error-blob-not-found = blob `{ $blob }` not found
error-range-not-satisfiable = { $detail }
error-payload-too-large = request body too large
error-not-found = { $detail }
error-unauthenticated = authentication required: send `Authorization: Bearer <token>`
error-invalid-token = invalid token: { $detail }
error-invalid-credentials = email or password is wrong
error-forbidden = forbidden: { $detail }
error-too-many-attempts = too many attempts from this address; try again in { $seconds } seconds
error-email-taken = an account with this email already exists
error-email-not-verified = confirm your email address first: follow the link mailed to it (POST /v1/auth/resend-verification sends another)
error-invalid-verification-link = this verification link is unknown, already used or expired; ask for a new one
error-request-timeout = the request body did not arrive in time
error-too-many-connections = too many connections from this address; try again later
error-invalid-country = invalid country: { $detail }
error-license-not-found = license `{ $license }` not found
error-stale-license-version = the digest you sent is not the current version of this license; read and accept version `{ $version }` (digest { $digest })
error-license-terminated = your license was terminated ({ $detail }); contact the publisher
error-attestation-required = state your domicile first: PUT /v1/me/attestation
error-grant-required = this blob needs a download grant: POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access, then send `Modelgate-Grant: <token>` or `?grant=<token>`
error-invalid-grant = invalid grant: { $detail }
error-grant-expired = the grant has expired; ask for a new one at POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-grant-not-for-blob = the grant does not cover this blob; grants open only the files of the model revision they were issued for
error-entitlement-revoked = the entitlement behind this grant was revoked: { $detail }
error-grant-outdated = the facts this grant was decided on changed (a new declaration, a new license version, or a licensee without a current acceptance); ask for access again
error-location-changed = this request comes from a location that needs a compliance review for this model ({ $reasons }); ask for access again at POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-download-limit-reached = this account has been served { $limit } copies of this blob's bytes in the current period (fresh and resumed bytes alike); ask again once the period is over
error-access-denied = access denied: { $reason }
error-conflict = { $detail }
error-audit-entry-pending = audit entry `{ $entry }` is not in a signed checkpoint yet; ask again in a second
error-database-unavailable = the database is unavailable; try again shortly
error-store-unavailable = the blob store is unavailable; try again shortly
error-model-not-runnable = { $detail }
error-invalid-image = { $detail }
error-no-validation-vectors = this revision was published without validation vectors; publish it again with this gateway to record them
error-prompt-too-long = the prompt has { $tokens } tokens; at most { $limit } are allowed
error-too-many-tokens = { $requested } new tokens were asked for; at most { $limit } are allowed
error-inference-over-budget = the model needs about { $needed } bytes of memory; this gateway's inference budget is { $budget }
error-inference-busy = every inference slot is busy; try again shortly
error-inference-account-busy = this account already has an inference run waiting or running; one at a time
error-inference-timeout = inference took longer than { $seconds } seconds and was stopped
error-inference-disabled = inference is disabled on this gateway
error-internal = internal error
