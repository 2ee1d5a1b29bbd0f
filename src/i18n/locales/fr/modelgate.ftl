# Messages du portail et de l'API de modelgate, en français (traduits depuis la
# référence anglaise). Les ids sont stables ; les ids de règles, les codes d'erreur,
# les noms de portées et les textes de licence restent identiques dans toutes les langues.

## Navigation et cadre des pages

nav-label = Principal
nav-models = Modèles
nav-profile = Profil
nav-tokens = Jetons d'API
# identical to English on purpose
nav-audit = Audit
nav-statistics = Statistiques
nav-reviews = Examens
nav-admin = Administration
nav-signed-in-as = Connecté en tant que { $email }
nav-sign-out = Se déconnecter
nav-sign-in = Se connecter
nav-create-account = Créer un compte
footer-tagline = modelgate : distribution de modèles sous licence, adaptée à chaque région.
language-switcher = Langue

## Catalogue et pages des modèles

catalog-title = Modèles
catalog-signin-hint = Connectez-vous pour voir les modèles auxquels vous avez accès.
catalog-empty = Aucun modèle n'est encore publié.
model-license-tag = licence : { $license }
model-files-size = { $files ->
    [one] { $files } fichier, { $size }
   *[other] { $files } fichiers, { $size }
}
model-revision = Révision
model-your-access = Votre accès :
model-why = Pourquoi
model-rule = Règle
catalog-clause = Clause régionale : { $clause }
catalog-no-clause = Aucune clause régionale de sa licence ne s'applique à ce modèle.
catalog-clause-unknown = La passerelle ne dispose d'aucun paquet de licence pour la licence de ce modèle : le modèle n'est pas disponible.
model-clause-cited = { $clause } (licence { $license }, version { $version })
model-review-case = Examen de conformité
model-geo-country = Votre demande semble provenir de { $country }.
model-get-links = Obtenir les liens de téléchargement
model-request-review = Demander l'accès (ouvre un examen)
model-request-anyway = Demander l'accès malgré tout (le refus est enregistré)
# identical to English on purpose
model-license-version = version { $version }
model-license-binding = La licence et la Politique d'utilisation acceptable sont affichées telles que publiées ; seul ce texte fait foi, et la traduction de tout ce qui l'entoure sur cette page vous est fournie pour votre commodité.
model-license = Licence
model-aup = Politique d'utilisation acceptable
model-accepted = Vous avez accepté cette version. Empreinte :
model-acceptance-proof = Télécharger la preuve de votre acceptation
model-acceptance-proof-hint = Un reçu du journal d'audit, vérifiable hors ligne avec
model-accepting-digest = Vous acceptez les documents portant cette empreinte :
model-agree = J'ai lu et j'accepte la licence et la Politique d'utilisation acceptable
model-accept = Accepter la licence
model-card = Fiche du modèle
notice-accepted = Vous avez accepté la licence.
notice-review = Votre demande a été transmise pour examen de conformité ; cette page en indique l'état.

## Le visiteur peut-il obtenir un modèle ?

availability-signin-label = Se connecter
availability-signin-sentence = Connectez-vous pour savoir si vous pouvez obtenir ce modèle.
availability-attest-label = Déclarer votre domicile
availability-attest-sentence = Déclarez votre domicile dans votre profil ; les conditions de la licence en dépendent.
availability-allow-label = Disponible
availability-allow-sentence = Vous pouvez télécharger ce modèle.
availability-review-label = Examen requis
availability-review-sentence = Votre demande doit faire l'objet d'un examen de conformité avant tout téléchargement.
availability-accept-label = Accepter la licence
availability-accept-sentence = Acceptez la version actuelle de la licence et de la Politique d'utilisation acceptable pour télécharger ce modèle.
availability-deny-label = Non disponible pour vous
availability-deny-sentence = Vous ne pouvez pas télécharger ce modèle.

## Téléchargements

downloads-title = Télécharger { $model }
downloads-allowance = Ces liens sont valables jusqu'à { $expires }, pour au plus { $copies ->
    [one] { $copies } copie
   *[other] { $copies } copies
} de chaque fichier par période de cette durée, comptées en octets sur l'ensemble de vos liens (un téléchargement interrompu ne compte que ce qu'il a reçu : vous pouvez donc le reprendre sans crainte).
downloads-file = Fichier
downloads-size = Taille
downloads-left = Téléchargements restants
downloads-decision-entry = La décision qui a autorisé ce téléchargement correspond à cette entrée du journal d'audit :
downloads-decision-proof = Télécharger la preuve de cette décision
downloads-decision-proof-hint = Prête en moins d'une seconde ; elle se vérifie hors ligne avec
downloads-terminal = Depuis un terminal
downloads-client = Le client modelgate vérifie la signature, télécharge en parallèle, reprend les transferts interrompus et vérifie chaque fichier. Il lui faut un jeton d'API :
downloads-curl = Ou un seul fichier avec curl (-C - reprend le transfert), puis comparez son SHA-256 à celui du tableau :

## Pages d'erreur

error-page-code = Code d'erreur :
error-page-back = Retour aux modèles
portal-csrf-failed = ce formulaire a expiré ou provient d'un autre site ; rechargez la page et réessayez
portal-sign-in-required = connectez-vous pour continuer
portal-internal = une erreur s'est produite de notre côté ; elle a été journalisée
portal-form-unreadable = le formulaire n'a pas pu être lu : { $detail }
portal-tick-to-accept = cochez la case pour accepter la licence
proofs-no-acceptance = vous n'avez encore accepté aucune licence

## Profil et déclarations

profile-title = Votre profil
profile-signed-in-as = Connecté en tant que { $email } ({ $role }).
profile-saved = Votre déclaration a été enregistrée.
profile-current = Déclaration actuelle
profile-legal-name = Nom légal
# identical to English on purpose
profile-domicile = Domicile
profile-on-behalf-of = Au nom de
profile-principal-place = établissement principal : { $country }
profile-recorded = Enregistrée le
profile-declare-first = Indiquez votre domicile avant d'accepter une licence : les conditions de la licence en dépendent.
profile-change = Modifier votre déclaration
profile-declare = Déclarer votre domicile
profile-domicile-country = Pays du domicile
profile-who-accepts = Qui accepte la licence ?
profile-as-individual = Moi-même, à titre personnel
profile-as-organisation = Une organisation pour laquelle j'agis
profile-organisation-name = Nom de l'organisation (si vous agissez pour l'une d'elles)
profile-organisation-country = Établissement principal de l'organisation
profile-history-hint = Une nouvelle déclaration remplace l'actuelle ; les précédentes sont conservées dans l'historique.
profile-save = Enregistrer la déclaration
profile-territories = Territoires d'utilisation
profile-users = Utilisateurs actifs mensuels
profile-territories-question = Pays où vous utiliserez ou déploierez les modèles (codes ISO, séparés par des virgules)
profile-territories-hint = Demandé par les licences qui restreignent les lieux où leurs modèles peuvent être utilisés : { $licenses }.
profile-users-question = Utilisateurs actifs mensuels de vos produits et services
profile-users-hint = Demandé par les licences qui exigent un accord distinct au-delà d'un certain nombre d'utilisateurs actifs mensuels : { $licenses }.
form-choose-band = Choisissez une tranche
band-up-to-1m = Jusqu'à 1 million
band-up-to-10m = De 1 à 10 millions
band-up-to-100m = De 10 à 100 millions
band-up-to-700m = De 100 à 700 millions
band-up-to-1b = De 700 millions à 1 milliard
band-over-1b = Plus de 1 milliard
form-choose-country = Choisissez un pays

## Inscription, connexion et confirmation de l'adresse

sign-up-title = Créez votre compte
sign-email = Adresse e-mail
sign-password = Mot de passe
sign-password-hint = Au moins 12 caractères.
sign-have-account = Vous avez déjà un compte ?
sign-new-here = Première visite ?
signup-thanks = Merci : { $next }.
signup-next-confirm-email = si l'adresse est nouvelle, son compte a été créé et un lien de confirmation lui a été envoyé ; suivez le lien, puis connectez-vous
signup-next-sign-in = si l'adresse est nouvelle, son compte a été créé ; connectez-vous
signup-verification-resent = si l'adresse correspond à un compte dont l'adresse n'est pas encore confirmée, un nouveau lien lui a été envoyé
verify-title = Confirmez votre adresse e-mail
verify-explanation = La confirmation prouve que cette adresse vous appartient et active le mot de passe choisi lors de votre inscription ; toutes les sessions antérieures du compte prennent fin.
verify-confirm = Confirmer mon adresse
verify-confirmed = Votre adresse e-mail est confirmée. Connectez-vous pour continuer.

## Jetons d'API

tokens-intro = Les jetons permettent à la CLI modelgate, à curl et aux clients Hugging Face d'agir en votre nom.
tokens-new = Votre nouveau jeton.
tokens-copy-now = Copiez-le maintenant : il ne sera plus affiché.
tokens-name = Nom
tokens-expires-after = Expire après (jours)
tokens-scopes = Portées
tokens-scopes-hint = read : voir les modèles et votre compte ; download : demander l'accès et télécharger ; accept : accepter des licences.
tokens-create = Créer un jeton
tokens-yours = Vos jetons
tokens-none = Aucun jeton pour l'instant.
tokens-created = Créé le
tokens-expires = Expire le
tokens-last-used = Dernière utilisation
# identical to English on purpose
tokens-actions = Actions
tokens-never = jamais
tokens-expiry-not-number = l'expiration doit être un nombre de jours
state-revoked = révoqué
action-revoke = Révoquer

## États des examens et des décisions

state-open = ouvert
state-approved = approuvé
state-denied = refusé
state-superseded = remplacé
state-all = tous
state-allow = autorisé
state-review = examen
state-deny = refusé

## File d'examen

reviews-title = File d'examen
reviews-showing = Affichage :
reviews-case = Dossier
reviews-requested-by = Demandé par
reviews-opened = Ouvert le
reviews-declared = Déclaré
reviews-geo-country = Pays GeoIP
reviews-decided-by = Décidé par
reviews-note = Note (obligatoire)
reviews-approve = Approuver
reviews-deny = Refuser
reviews-none = Aucun dossier ici.
# identical to English on purpose
reviews-declared-domicile = domicile { $domicile }
reviews-declared-for = domicile { $domicile }, pour { $organisation } ({ $country })

## Journal d'audit et statistiques

audit-title = Journal d'audit
audit-verified = Journal vérifié
audit-verification-failed = ÉCHEC de la vérification du journal
audit-kind = Type d'événement
audit-outcome = Résultat
audit-model = Modèle
audit-user = ID d'utilisateur ou e-mail d'un membre du personnel
audit-country = Pays
# identical to English on purpose
audit-organisation = Organisation
audit-partner = Partenaire
audit-search = Rechercher
audit-export-csv = Exporter en CSV
audit-export-jsonl = Exporter en JSONL
audit-events = Événements ({ $count })
audit-events-first = Événements ({ $count } premiers)
audit-time = Heure (UTC)
audit-actor = Acteur
audit-subject = Objet
audit-details = Détails
audit-event = Événement { $seq }
audit-next-page = Page suivante
period-since = Depuis
period-until = Jusqu'à
stats-title = Statistiques des décisions
stats-show = Afficher
stats-open-cases = { $count ->
    [one] { $count } dossier d'examen est ouvert.
   *[other] { $count } dossiers d'examen sont ouverts.
}
stats-open-queue = Ouvrir la file
stats-by-country = Décisions par pays du licencié
stats-none = Aucune décision sur cette période.
stats-chart-title = Décisions d'accès par pays du licencié : autorisées, envoyées en examen, refusées
stats-by-country-model-outcome = Par pays, modèle et résultat
stats-decisions = Décisions

## Administration

# identical to English on purpose
admin-title = Administration
admin-licenses = Licences
admin-partners = Partenaires
admin-models = Modèles et révisions
admin-published = Publié le
admin-files = Fichiers
admin-no-models = Aucun modèle n'est encore publié. Publiez-en un avec
admin-license-published = Publiée le { $at } par { $by }
admin-shipped-bundle = le paquet fourni
admin-acceptances = Acceptations ({ $count }) et révocations
admin-account = Compte
# identical to English on purpose
admin-version = Version
admin-accepted = Acceptée le
admin-licensee-country = Pays du licencié
admin-terminate = Résilier
admin-reason = Motif
admin-publish-license = Publier une nouvelle version de licence
admin-license-id = Identifiant de la licence
admin-license-title = Titre
admin-modalities = Modalités couvertes
admin-license-text = Texte de la licence
admin-publish-hint = Chacun devra accepter la nouvelle version avant son prochain téléchargement.
admin-publish-version = Publier la version
admin-partner-name = Nom
admin-principal-place = Établissement principal
# identical to English on purpose
admin-contact = Contact
admin-since = Depuis
admin-add-partner = Ajouter un partenaire
admin-contact-email = E-mail de contact
admin-create-partner = Créer le partenaire
admin-license-published-notice = { $license } version { $version } publiée (sha256:{ $digest }).
admin-partner-created = Partenaire { $name } créé. Remettez-lui dès maintenant ce jeton de partenaire ; il ne sera plus affiché :

## Courriels

mail-verify-subject = Confirmez votre adresse e-mail pour modelgate
mail-verify-body =
    Suivez ce lien pour confirmer que cette adresse est bien la vôtre :

    { $link }

    Le lien fonctionne une seule fois, pendant { $hours } heures, et définit le mot de
    passe choisi lors de l'inscription. Tant que l'adresse n'est pas confirmée, le compte
    ne peut ni faire de déclaration, ni accepter de licence, ni télécharger de modèles
    protégés.
    Si vous ne vous êtes pas inscrit, ignorez ce message.
mail-taken-subject = Quelqu'un a tenté de s'inscrire avec votre adresse
mail-taken-body =
    Quelqu'un, peut-être vous, a demandé la création d'un compte modelgate pour cette adresse.
    Elle en a déjà un ; rien n'a donc été créé. Connectez-vous sur { $signin }.
    Si ce n'était pas vous, vous pouvez ignorer ce message.

## Les règles qui décident (par id de règle ; les ids de règles eux-mêmes ne changent jamais)

rule-reason-end-user-carve-out = les utilisateurs finaux d'un produit intégrant le modèle ne sont pas soumis à la clause UE de la licence
rule-reason-eu-multimodal-withheld = la licence n'accorde pas les modèles multimodaux aux personnes physiques domiciliées dans l'UE ni aux sociétés dont l'établissement principal s'y trouve
clause-llama-3-2-regional = Licence Llama 3.2, section 4 : modèles multimodaux et Union européenne
clause-llama-3-2-users = Licence Llama 3.2, section 6 : services de très grande taille
clause-llama-3-1-users = Licence Llama 3.1, section 2 : conditions commerciales supplémentaires
clause-llama-4-regional = Licence Llama 4, section 3 : modèles multimodaux et Union européenne
clause-llama-4-users = Licence Llama 4, section 2 : conditions commerciales supplémentaires
clause-hunyuan-regional = Licence Hunyuan, section 3 : territoires exclus
clause-hunyuan-users = Licence Hunyuan, section 2 : conditions commerciales supplémentaires
rule-reason-license-accepted = le licencié a accepté la version actuelle de la licence et de la Politique d'utilisation acceptable
rule-reason-license-acceptance-required = la version actuelle de la licence et de la Politique d'utilisation acceptable n'a pas été acceptée
rule-reason-partner-may-mirror = le partenaire a accepté la licence actuelle et peut distribuer ce modèle
rule-reason-partner-only-partners-mirror = seuls les partenaires peuvent créer des miroirs des modèles
rule-reason-review-clause-region-location = la requête provient d'un lieu situé dans une région que restreint la clause de la licence et que la déclaration ne mentionne pas
rule-reason-review-european-location = la requête provient d'un lieu européen non précisé
rule-reason-review-anonymising-proxy = la requête passe par un proxy d'anonymisation
rule-reason-review-approved = le service conformité a examiné et approuvé ce licencié pour ce modèle
rule-reason-review-denied = le service conformité a examiné et refusé ce licencié pour ce modèle
rule-reason-review-declaration-changed = le licencié a modifié sa déclaration (domicile, organisation ou pays de celle-ci) après un refus à l'issue d'un examen de conformité, ou pendant qu'un examen est en cours
rule-reason-review-pending = un examen de conformité de ce licencié pour ce modèle est en cours
rule-reason-review-denied-for-another-model = le service conformité a refusé ce licencié pour un autre modèle soumis aux restrictions d'une clause régionale
rule-reason-review-monthly-active-users = le nombre d'utilisateurs actifs mensuels déclaré par le licencié peut dépasser la limite de la licence, au-delà de laquelle un accord distinct est requis
rule-reason-license-terms-unknown = la passerelle ne dispose d'aucun paquet de licence pour la licence de ce modèle ; ses conditions ne peuvent donc pas être appliquées
rule-reason-declaration-territory-required = la licence restreint les lieux où ses modèles peuvent être utilisés ; déclarez les territoires où vous utiliserez ou déploierez le modèle
rule-reason-declaration-monthly-active-users-required = la licence limite le nombre d'utilisateurs actifs mensuels des produits des licenciés ; déclarez le vôtre avant de recevoir les modèles qu'elle couvre
rule-reason-embargo-licensee = l'opérateur ne distribue pas de modèles aux licenciés domiciliés ou établis dans un pays sous embargo, ni à ceux qui y déploient des modèles
rule-reason-embargo-location = la requête provient d'un pays sous embargo
rule-reason-eu-llama-4-withheld = la licence n'accorde pas ses modèles aux personnes physiques domiciliées dans l'UE ni aux sociétés dont l'établissement principal s'y trouve
rule-reason-territory-hunyuan-excluded = la licence n'accorde aucun droit d'utiliser ou de déployer ses modèles dans l'Union européenne, au Royaume-Uni ou en Corée du Sud
rule-reason-revocation-entitlement-revoked = la licence du licencié a été résiliée

## Messages d'erreur de l'API (par code d'erreur ; les codes ne changent jamais)

error-bad-request = requête invalide : { $detail }
error-invalid-digest = empreinte invalide : { $detail }
error-invalid-model-id = identifiant de modèle invalide : { $detail }
error-model-not-found = modèle `{ $model }` introuvable
error-revision-not-found = révision `{ $revision }` introuvable
error-blob-not-found = blob `{ $blob }` introuvable
error-range-not-satisfiable = plage non satisfaisable : { $detail }
error-payload-too-large = corps de la requête trop volumineux
error-not-found = introuvable : { $detail }
error-unauthenticated = authentification requise : envoyez `Authorization: Bearer <token>`
error-invalid-token = jeton invalide : { $detail }
error-invalid-credentials = e-mail ou mot de passe incorrect
error-forbidden = interdit : { $detail }
error-too-many-attempts = trop de tentatives depuis cette adresse ; réessayez dans { $seconds } secondes
error-email-taken = un compte existe déjà avec cet e-mail
error-email-not-verified = confirmez d'abord votre adresse e-mail : suivez le lien qui vous y a été envoyé (POST /v1/auth/resend-verification en envoie un autre)
error-invalid-verification-link = ce lien de vérification est inconnu, déjà utilisé ou expiré ; demandez-en un nouveau
error-request-timeout = le corps de la requête n'est pas arrivé à temps
error-too-many-connections = trop de connexions depuis cette adresse ; réessayez plus tard
error-invalid-country = pays invalide : { $detail }
error-license-not-found = licence `{ $license }` introuvable
error-stale-license-version = l'empreinte envoyée ne correspond pas à la version actuelle de cette licence ; lisez et acceptez la version `{ $version }` (empreinte { $digest })
error-license-terminated = votre licence a été résiliée ({ $detail }) ; contactez l'éditeur
error-attestation-required = indiquez d'abord votre domicile : PUT /v1/me/attestation
error-grant-required = ce blob nécessite une autorisation de téléchargement : POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access, puis envoyez `Modelgate-Grant: <token>` ou `?grant=<token>`
error-invalid-grant = autorisation invalide : { $detail }
error-grant-expired = l'autorisation a expiré ; demandez-en une nouvelle via POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-grant-not-for-blob = l'autorisation ne couvre pas ce blob ; une autorisation n'ouvre que les fichiers de la révision du modèle pour laquelle elle a été délivrée
error-entitlement-revoked = le droit d'accès à l'origine de cette autorisation a été révoqué : { $detail }
error-grant-outdated = les éléments sur lesquels reposait cette autorisation ont changé (nouvelle déclaration, nouvelle version de la licence ou licencié sans acceptation en vigueur) ; redemandez l'accès
error-location-changed = cette requête provient d'un lieu qui exige un examen de conformité pour ce modèle ({ $reasons }) ; redemandez l'accès via POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-download-limit-reached = ce compte a déjà reçu { $limit } copies des octets de ce blob pendant la période en cours (octets neufs et repris confondus) ; redemandez une fois la période terminée
error-access-denied = accès refusé : { $reason }
error-conflict = conflit : { $detail }
error-audit-entry-pending = l'entrée d'audit `{ $entry }` ne figure pas encore dans un point de contrôle signé ; réessayez dans une seconde
error-database-unavailable = la base de données est indisponible ; réessayez sous peu
error-store-unavailable = le stockage des blobs est indisponible ; réessayez sous peu
error-model-not-runnable = modèle non exécutable : { $detail }
error-invalid-image = image invalide : { $detail }
error-no-validation-vectors = cette révision a été publiée sans vecteurs de validation ; publiez-la à nouveau avec cette passerelle pour les enregistrer
error-prompt-too-long = le prompt compte { $tokens } jetons ; { $limit } au maximum sont autorisés
error-too-many-tokens = { $requested } nouveaux jetons ont été demandés ; { $limit } au maximum sont autorisés
error-inference-over-budget = le modèle a besoin d'environ { $needed } octets de mémoire ; le budget d'inférence de cette passerelle est de { $budget }
error-inference-busy = tous les emplacements d'inférence sont occupés ; réessayez sous peu
error-inference-account-busy = ce compte a déjà une inférence en attente ou en cours ; une seule à la fois
error-inference-timeout = l'inférence a duré plus de { $seconds } secondes et a été interrompue
error-inference-disabled = l'inférence est désactivée sur cette passerelle
error-internal = erreur interne
