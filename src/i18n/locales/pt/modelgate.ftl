# Mensagens do portal e da API do modelgate, em português (traduzidas da referência em
# inglês). Os ids são estáveis; ids de regras, códigos de erro, nomes de escopos e textos
# de licença são os mesmos em todos os idiomas.

## Navegação e moldura da página

nav-label = Principal
nav-models = Modelos
nav-profile = Perfil
nav-tokens = Tokens de API
nav-audit = Auditoria
nav-statistics = Estatísticas
nav-reviews = Análises
nav-admin = Administração
nav-signed-in-as = Conectado como { $email }
nav-sign-out = Sair
nav-sign-in = Entrar
nav-create-account = Criar conta
footer-tagline = modelgate: distribuição de modelos licenciada e sensível à região.
language-switcher = Idioma

## Catálogo e páginas de modelos

catalog-title = Modelos
catalog-signin-hint = Entre para ver quais modelos você pode obter.
catalog-empty = Nenhum modelo foi publicado ainda.
model-license-tag = licença: { $license }
model-files-size = { $files ->
    [one] { $files } arquivo, { $size }
   *[other] { $files } arquivos, { $size }
}
model-revision = Revisão
model-your-access = Seu acesso:
model-why = Motivo
model-rule = Regra
catalog-clause = Cláusula regional: { $clause }
catalog-no-clause = Nenhuma cláusula regional da licença se aplica a este modelo.
catalog-clause-unknown = O gateway não tem um pacote de licença para a licença deste modelo: o modelo não está disponível.
model-clause-cited = { $clause } ({ $license }, versão { $version })
model-review-case = Análise de conformidade
model-geo-country = Sua requisição parece vir de { $country }.
model-get-links = Obter links de download
model-request-review = Solicitar acesso (abre uma análise)
model-request-anyway = Solicitar acesso mesmo assim (a recusa é registrada)
model-license-version = versão { $version }
model-license-binding = A licença e a Política de Uso Aceitável são exibidas como publicadas; esse texto é o que tem valor vinculante, e a tradução de todo o restante desta página é oferecida apenas para sua conveniência.
model-license = Licença
model-aup = Política de Uso Aceitável
model-accepted = Você aceitou esta versão. Digest:
model-acceptance-proof = Baixar a prova do seu aceite
model-acceptance-proof-hint = Um comprovante do log de auditoria, verificável offline com
model-accepting-digest = Você está aceitando os documentos com este digest:
model-agree = Li e aceito a licença e a Política de Uso Aceitável
model-accept = Aceitar licença
model-card = Ficha do modelo
notice-accepted = Você aceitou a licença.
notice-review = Sua solicitação foi enviada para análise de conformidade; esta página mostra o andamento.

## Se o visitante pode obter um modelo

availability-signin-label = Entrar
availability-signin-sentence = Entre para ver se você pode obter este modelo.
availability-attest-label = Declarar domicílio
availability-attest-sentence = Declare no seu perfil onde você tem domicílio; os termos da licença dependem disso.
availability-allow-label = Disponível
availability-allow-sentence = Você pode baixar este modelo.
availability-review-label = Requer análise
availability-review-sentence = Sua solicitação precisa de uma análise de conformidade antes que um download seja permitido.
availability-accept-label = Aceite a licença
availability-accept-sentence = Aceite a versão atual da licença e da Política de Uso Aceitável para baixar este modelo.
availability-deny-label = Indisponível para você
availability-deny-sentence = Você não pode baixar este modelo.

## Downloads

downloads-title = Baixar { $model }
downloads-allowance = Estes links funcionam até { $expires }, para até { $copies ->
    [one] { $copies } cópia
   *[other] { $copies } cópias
} de cada arquivo por período dessa duração, contadas em bytes somando todos os seus links (um download interrompido só conta o que recebeu, então retomá-lo não tem problema).
downloads-file = Arquivo
downloads-size = Tamanho
downloads-left = Downloads restantes
downloads-decision-entry = A decisão que permitiu este download é esta entrada do log de auditoria:
downloads-decision-proof = Baixar a prova desta decisão
downloads-decision-proof-hint = Fica pronta em até um segundo; é verificável offline com
downloads-terminal = Pelo terminal
downloads-client = O cliente do modelgate confere a assinatura, baixa em paralelo, retoma downloads e verifica cada arquivo. Ele precisa de um token de API:
downloads-curl = Ou um arquivo com curl (-C - retoma) e, em seguida, confira o SHA-256 dele com a tabela:

## Páginas de erro

error-page-code = Código de erro:
error-page-back = Voltar aos modelos
portal-csrf-failed = este formulário expirou ou veio de outro site; recarregue a página e tente novamente
portal-sign-in-required = entre para continuar
portal-internal = algo deu errado do nosso lado; o erro foi registrado
portal-form-unreadable = não foi possível ler o formulário: { $detail }
portal-tick-to-accept = marque a caixa para aceitar a licença
proofs-no-acceptance = você ainda não aceitou nenhuma licença

## Perfil e declarações

profile-title = Seu perfil
profile-signed-in-as = Conectado como { $email } ({ $role }).
profile-saved = Sua declaração foi registrada.
profile-current = Declaração atual
profile-legal-name = Nome legal
profile-domicile = Domicílio
profile-on-behalf-of = Em nome de
profile-principal-place = sede principal (estabelecimento principal): { $country }
profile-recorded = Registrada em
profile-declare-first = Informe onde você tem domicílio antes de aceitar uma licença: os termos da licença dependem disso.
profile-change = Alterar sua declaração
profile-declare = Declare seu domicílio
profile-domicile-country = País de domicílio
profile-who-accepts = Quem aceita a licença?
profile-as-individual = Eu, como pessoa física
profile-as-organisation = Uma organização que represento
profile-organisation-name = Nome da organização (se agir em nome de uma)
profile-organisation-country = Sede principal (estabelecimento principal) da organização
profile-history-hint = Uma nova declaração substitui a atual; as anteriores são mantidas como histórico.
profile-save = Salvar declaração
profile-territories = Territórios de uso
profile-users = Usuários ativos mensais
profile-territories-question = Países onde você usará ou implantará os modelos (códigos ISO, separados por vírgula)
profile-territories-hint = Solicitado por licenças que restringem onde seus modelos podem ser usados: { $licenses }.
profile-users-question = Usuários ativos mensais dos seus produtos e serviços
profile-users-hint = Solicitado por licenças que exigem um contrato separado acima de um certo número de usuários ativos mensais: { $licenses }.
form-choose-band = Escolha uma faixa
band-up-to-1m = Até 1 milhão
band-up-to-10m = De 1 a 10 milhões
band-up-to-100m = De 10 a 100 milhões
band-up-to-700m = De 100 a 700 milhões
band-up-to-1b = De 700 milhões a 1 bilhão
band-over-1b = Mais de 1 bilhão
form-choose-country = Escolha um país

## Cadastro, login e confirmação de endereço

sign-up-title = Crie sua conta
sign-email = E-mail
sign-password = Senha
sign-password-hint = No mínimo 12 caracteres.
sign-have-account = Já tem uma conta?
sign-new-here = Primeira vez aqui?
signup-thanks = Obrigado: { $next }.
signup-next-confirm-email = se o endereço for novo, a conta foi criada e um link de confirmação foi enviado para ele; siga o link e depois entre
signup-next-sign-in = se o endereço for novo, a conta foi criada; entre
signup-verification-resent = se o endereço tiver uma conta ainda não confirmada, um novo link foi enviado para ele
verify-title = Confirme seu endereço de e-mail
verify-explanation = A confirmação comprova que este endereço é seu e define a senha que você escolheu no cadastro; todas as sessões anteriores da conta são encerradas.
verify-confirm = Confirmar meu endereço
verify-confirmed = Seu endereço de e-mail está confirmado. Entre para continuar.

## Tokens de API

tokens-intro = Os tokens permitem que a CLI do modelgate, o curl e os clientes do Hugging Face ajam em seu nome.
tokens-new = Seu novo token.
tokens-copy-now = Copie-o agora: ele não será exibido novamente.
tokens-name = Nome
tokens-expires-after = Expira após (dias)
tokens-scopes = Escopos
tokens-scopes-hint = read: ver modelos e sua conta; download: solicitar acesso e baixar; accept: aceitar licenças.
tokens-create = Criar token
tokens-yours = Seus tokens
tokens-none = Nenhum token ainda.
tokens-created = Criado em
tokens-expires = Expira em
tokens-last-used = Último uso
tokens-actions = Ações
tokens-never = nunca
tokens-expiry-not-number = a validade deve ser um número de dias
state-revoked = revogado
action-revoke = Revogar

## Estados de análises e decisões

state-open = aberta
state-approved = aprovada
state-denied = negada
state-superseded = substituída
state-all = todas
state-allow = permitido
state-review = em análise
state-deny = negado

## Fila de análises

reviews-title = Fila de análises
reviews-showing = Exibindo:
reviews-case = Caso
reviews-requested-by = Solicitado por
reviews-opened = Aberto em
reviews-declared = Declarado
reviews-geo-country = País pelo GeoIP
reviews-decided-by = Decidido por
reviews-note = Observação (obrigatória)
reviews-approve = Aprovar
reviews-deny = Negar
reviews-none = Nenhum caso aqui.
reviews-declared-domicile = domicílio { $domicile }
reviews-declared-for = domicílio { $domicile }, em nome de { $organisation } ({ $country })

## Log de auditoria e estatísticas

audit-title = Log de auditoria
audit-verified = Log verificado
audit-verification-failed = FALHA na verificação do log
audit-kind = Tipo de evento
audit-outcome = Resultado
audit-model = Modelo
audit-user = Id do usuário ou e-mail da equipe
audit-country = País
audit-organisation = Organização
audit-partner = Parceiro
audit-search = Pesquisar
audit-export-csv = Exportar CSV
audit-export-jsonl = Exportar JSONL
audit-events = Eventos ({ $count })
audit-events-first = Eventos (primeiros { $count })
audit-time = Hora (UTC)
audit-actor = Autor
audit-subject = Objeto
audit-details = Detalhes
audit-event = Evento { $seq }
audit-next-page = Próxima página
period-since = Desde
period-until = Até
stats-title = Estatísticas de decisões
stats-show = Mostrar
stats-open-cases = { $count ->
    [one] { $count } caso de análise está aberto.
   *[other] { $count } casos de análise estão abertos.
}
stats-open-queue = Abrir a fila
stats-by-country = Decisões por país do licenciado
stats-none = Nenhuma decisão neste período.
stats-chart-title = Decisões de acesso por país do licenciado: permitidas, enviadas para análise, negadas
stats-by-country-model-outcome = Por país, modelo e resultado
stats-decisions = Decisões

## Administração

admin-title = Administração
admin-licenses = Licenças
admin-partners = Parceiros
admin-models = Modelos e revisões
admin-published = Publicado
admin-files = Arquivos
admin-no-models = Nenhum modelo foi publicado ainda. Publique um com
admin-license-published = Publicada em { $at } por { $by }
admin-shipped-bundle = o pacote incluído
admin-acceptances = Aceites ({ $count }) e revogações
admin-account = Conta
admin-version = Versão
admin-accepted = Aceita em
admin-licensee-country = País do licenciado
admin-terminate = Rescindir
admin-reason = Motivo
admin-publish-license = Publicar uma nova versão da licença
admin-license-id = Id da licença
admin-license-title = Título
admin-modalities = Modalidades abrangidas
admin-license-text = Texto da licença
admin-publish-hint = Todos precisam aceitar a nova versão antes do próximo download.
admin-publish-version = Publicar versão
admin-partner-name = Nome
admin-principal-place = Sede principal (estabelecimento principal)
admin-contact = Contato
admin-since = Desde
admin-add-partner = Adicionar um parceiro
admin-contact-email = E-mail de contato
admin-create-partner = Criar parceiro
admin-license-published-notice = Publicada a licença { $license }, versão { $version } (sha256:{ $digest }).
admin-partner-created = Parceiro { $name } criado. Entregue agora este token de parceiro; ele não será exibido novamente:

## E-mails

mail-verify-subject = Confirme seu endereço de e-mail no modelgate
mail-verify-body =
    Siga este link para confirmar que este endereço é seu:

    { $link }

    O link funciona uma única vez, por { $hours } horas, e define a senha escolhida
    no cadastro. Enquanto o endereço não for confirmado, a conta não pode fazer
    declarações, aceitar licenças nem baixar modelos protegidos.
    Se você não se cadastrou, ignore esta mensagem.
mail-taken-subject = Alguém tentou se cadastrar com seu endereço
mail-taken-body =
    Alguém, talvez você, pediu para criar uma conta modelgate para este endereço.
    Ele já tem uma, então nada foi criado. Entre em { $signin }.
    Se não foi você, pode ignorar esta mensagem.

## As regras que decidem (por id de regra; os próprios ids de regra nunca mudam)

rule-reason-end-user-carve-out = usuários finais de um produto que incorpora o modelo não são restringidos pela cláusula da licença sobre a União Europeia (UE)
rule-reason-eu-multimodal-withheld = a licença não concede modelos multimodais a pessoas físicas domiciliadas na União Europeia (UE) nem a empresas com sede principal (estabelecimento principal) lá
clause-llama-3-2-regional = Licença do Llama 3.2, seção 4: Modelos multimodais e a União Europeia (Multimodal Models and the European Union)
clause-llama-3-2-users = Licença do Llama 3.2, seção 6: Serviços muito grandes (Very large services)
clause-llama-3-1-users = Licença do Llama 3.1, seção 2: Termos comerciais adicionais (Additional Commercial Terms)
clause-llama-4-regional = Licença do Llama 4, seção 3: Modelos multimodais e a União Europeia (Multimodal Models and the European Union)
clause-llama-4-users = Licença do Llama 4, seção 2: Termos comerciais adicionais (Additional Commercial Terms)
clause-hunyuan-regional = Licença do Hunyuan, seção 3: Territórios excluídos (Excluded Territories)
clause-hunyuan-users = Licença do Hunyuan, seção 2: Termos comerciais adicionais (Additional Commercial Terms)
rule-reason-license-accepted = o licenciado aceitou a versão atual da licença e da Política de Uso Aceitável
rule-reason-license-acceptance-required = a versão atual da licença e da Política de Uso Aceitável não foi aceita
rule-reason-partner-may-mirror = o parceiro aceitou a licença atual e pode distribuir este modelo
rule-reason-partner-only-partners-mirror = somente parceiros podem espelhar modelos
rule-reason-review-clause-region-location = a requisição vem de um local em uma região restringida pela cláusula da licença e não mencionada na declaração
rule-reason-review-european-location = a requisição vem de um local europeu não especificado
rule-reason-review-anonymising-proxy = a requisição passa por um proxy de anonimização
rule-reason-review-approved = a equipe de conformidade analisou e aprovou este licenciado para este modelo
rule-reason-review-denied = a equipe de conformidade analisou e negou este licenciado para este modelo
rule-reason-review-declaration-changed = o licenciado alterou sua declaração (domicílio, organização ou país dela) depois que uma análise de conformidade o negou ou enquanto uma análise está aberta
rule-reason-review-pending = há uma análise de conformidade aberta deste licenciado para este modelo
rule-reason-review-denied-for-another-model = a equipe de conformidade negou este licenciado para outro modelo restringido por uma cláusula regional
rule-reason-review-monthly-active-users = os usuários ativos mensais declarados pelo licenciado podem exceder o limite da licença, acima do qual é exigido um contrato separado
rule-reason-license-terms-unknown = o gateway não tem um pacote de licença para a licença deste modelo, portanto seus termos não podem ser aplicados
rule-reason-declaration-territory-required = a licença restringe onde seus modelos podem ser usados; declare os territórios onde você usará ou implantará o modelo
rule-reason-declaration-monthly-active-users-required = a licença limita os usuários ativos mensais dos produtos dos licenciados; declare os seus antes de receber os modelos dela
rule-reason-embargo-licensee = o operador não distribui modelos a licenciados domiciliados ou estabelecidos em um país sob embargo, nem aos que implantam modelos nele
rule-reason-embargo-location = a requisição vem de um país sob embargo
rule-reason-eu-llama-4-withheld = a licença não concede seus modelos a pessoas físicas domiciliadas na União Europeia (UE) nem a empresas com sede principal (estabelecimento principal) lá
rule-reason-territory-hunyuan-excluded = a licença não concede nenhum direito de usar ou implantar seus modelos na União Europeia, no Reino Unido ou na Coreia do Sul
rule-reason-revocation-entitlement-revoked = a licença do licenciado foi rescindida

## Mensagens de erro da API (por código de erro; os códigos nunca mudam)

error-bad-request = requisição inválida: { $detail }
error-invalid-digest = digest inválido: { $detail }
error-invalid-model-id = id de modelo inválido: { $detail }
error-model-not-found = modelo `{ $model }` não encontrado
error-revision-not-found = revisão `{ $revision }` não encontrada
error-blob-not-found = blob `{ $blob }` não encontrado
error-range-not-satisfiable = intervalo não atendível: { $detail }
error-payload-too-large = corpo da requisição grande demais
error-not-found = não encontrado: { $detail }
error-unauthenticated = autenticação necessária: envie `Authorization: Bearer <token>`
error-invalid-token = token inválido: { $detail }
error-invalid-credentials = e-mail ou senha incorretos
error-forbidden = proibido: { $detail }
error-too-many-attempts = tentativas demais a partir deste endereço; tente novamente em { $seconds } segundos
error-email-taken = já existe uma conta com este e-mail
error-email-not-verified = confirme seu endereço de e-mail primeiro: siga o link enviado a ele (POST /v1/auth/resend-verification envia outro)
error-invalid-verification-link = este link de verificação é desconhecido, já foi usado ou expirou; solicite um novo
error-request-timeout = o corpo da requisição não chegou a tempo
error-too-many-connections = conexões demais a partir deste endereço; tente novamente mais tarde
error-invalid-country = país inválido: { $detail }
error-license-not-found = licença `{ $license }` não encontrada
error-stale-license-version = o digest enviado não é o da versão atual desta licença; leia e aceite a versão `{ $version }` (digest { $digest })
error-license-terminated = sua licença foi rescindida ({ $detail }); entre em contato com o publicador
error-attestation-required = informe seu domicílio primeiro: PUT /v1/me/attestation
error-grant-required = este blob exige uma autorização de download: POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access e depois envie `Modelgate-Grant: <token>` ou `?grant=<token>`
error-invalid-grant = autorização inválida: { $detail }
error-grant-expired = a autorização expirou; solicite uma nova em POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-grant-not-for-blob = a autorização não abrange este blob; as autorizações dão acesso apenas aos arquivos da revisão do modelo para a qual foram emitidas
error-entitlement-revoked = o direito de acesso por trás desta autorização foi revogado: { $detail }
error-grant-outdated = os fatos com base nos quais esta autorização foi decidida mudaram (uma nova declaração, uma nova versão da licença ou um licenciado sem aceite vigente); solicite acesso novamente
error-location-changed = esta requisição vem de um local que exige uma análise de conformidade para este modelo ({ $reasons }); solicite acesso novamente em POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-download-limit-reached = esta conta já recebeu { $limit } cópias dos bytes deste blob no período atual (bytes novos e retomados contam igualmente); tente de novo quando o período terminar
error-access-denied = acesso negado: { $reason }
error-conflict = conflito: { $detail }
error-audit-entry-pending = a entrada de auditoria `{ $entry }` ainda não está em um checkpoint assinado; tente de novo em um segundo
error-database-unavailable = o banco de dados está indisponível; tente novamente em instantes
error-store-unavailable = o armazenamento de blobs está indisponível; tente novamente em instantes
error-model-not-runnable = o modelo não pode ser executado: { $detail }
error-invalid-image = imagem inválida: { $detail }
error-no-validation-vectors = esta revisão foi publicada sem vetores de validação; publique-a novamente com este gateway para registrá-los
error-prompt-too-long = o prompt tem { $tokens } tokens; o máximo permitido é { $limit }
error-too-many-tokens = foram solicitados { $requested } tokens novos; o máximo permitido é { $limit }
error-inference-over-budget = o modelo precisa de cerca de { $needed } bytes de memória; o orçamento de inferência deste gateway é { $budget }
error-inference-busy = todos os slots de inferência estão ocupados; tente novamente em instantes
error-inference-account-busy = esta conta já tem uma execução de inferência aguardando ou em andamento; uma de cada vez
error-inference-timeout = a inferência levou mais de { $seconds } segundos e foi interrompida
error-inference-disabled = a inferência está desativada neste gateway
error-internal = erro interno
