# ข้อความของพอร์ทัลและ API ของ modelgate ภาษาไทย (แปลจากฉบับภาษาอังกฤษซึ่งเป็นฉบับอ้างอิง)
# รหัสข้อความคงที่; รหัสกฎ รหัสข้อผิดพลาด ชื่อขอบเขตสิทธิ์ และข้อความสัญญาอนุญาต
# จะเหมือนกันในทุกภาษา

## การนำทางและกรอบหน้า

nav-label = เมนูหลัก
nav-models = โมเดล
nav-profile = โปรไฟล์
nav-tokens = โทเค็น API
nav-audit = บันทึกการตรวจสอบ
nav-statistics = สถิติ
nav-reviews = การตรวจสอบ
nav-admin = ผู้ดูแลระบบ
nav-signed-in-as = ลงชื่อเข้าใช้ในชื่อ { $email }
nav-sign-out = ออกจากระบบ
nav-sign-in = เข้าสู่ระบบ
nav-create-account = สร้างบัญชี
footer-tagline = modelgate: การเผยแพร่โมเดลภายใต้สัญญาอนุญาต โดยคำนึงถึงภูมิภาค
language-switcher = ภาษา

## แคตตาล็อกและหน้าโมเดล

catalog-title = โมเดล
catalog-signin-hint = เข้าสู่ระบบเพื่อดูว่าคุณสามารถรับโมเดลใดได้บ้าง
catalog-empty = ยังไม่มีโมเดลที่เผยแพร่
model-license-tag = สัญญาอนุญาต: { $license }
model-files-size = { $files } ไฟล์, { $size }
model-revision = รีวิชัน
model-your-access = สิทธิ์การเข้าถึงของคุณ:
model-why = เหตุผล
model-rule = กฎ
catalog-clause = ข้อกำหนดระดับภูมิภาค: { $clause }
catalog-no-clause = ไม่มีข้อกำหนดระดับภูมิภาคใดในสัญญาอนุญาตของโมเดลนี้ที่มีผลกับโมเดลนี้
catalog-clause-unknown = เกตเวย์ไม่มีชุดสัญญาอนุญาต (license pack) สำหรับสัญญาอนุญาตของโมเดลนี้ โมเดลนี้จึงไม่พร้อมให้บริการ
model-clause-cited = { $clause } ({ $license }, เวอร์ชัน { $version })
model-review-case = การตรวจสอบการปฏิบัติตามข้อกำหนด
model-geo-country = คำขอของคุณดูเหมือนจะมาจาก { $country }
model-get-links = รับลิงก์ดาวน์โหลด
model-request-review = ขอสิทธิ์เข้าถึง (เปิดการตรวจสอบ)
model-request-anyway = ยืนยันขอสิทธิ์เข้าถึง (การปฏิเสธจะถูกบันทึกไว้)
model-license-version = เวอร์ชัน { $version }
model-license-binding = สัญญาอนุญาตและนโยบายการใช้งานที่ยอมรับได้แสดงตามที่เผยแพร่ไว้ ข้อความดังกล่าวเป็นฉบับที่มีผลผูกพัน ส่วนคำแปลของเนื้อหาอื่นในหน้านี้มีไว้เพื่อความสะดวกของคุณเท่านั้น
model-license = สัญญาอนุญาต
model-aup = นโยบายการใช้งานที่ยอมรับได้
model-accepted = คุณยอมรับเวอร์ชันนี้แล้ว ไดเจสต์:
model-acceptance-proof = ดาวน์โหลดหลักฐานการยอมรับของคุณ
model-acceptance-proof-hint = ใบรับจากบันทึกการตรวจสอบ ซึ่งตรวจยืนยันแบบออฟไลน์ได้ด้วย
model-accepting-digest = คุณกำลังยอมรับเอกสารที่มีไดเจสต์นี้:
model-agree = ข้าพเจ้าได้อ่านและยอมรับสัญญาอนุญาตและนโยบายการใช้งานที่ยอมรับได้แล้ว
model-accept = ยอมรับสัญญาอนุญาต
model-card = การ์ดโมเดล
notice-accepted = คุณยอมรับสัญญาอนุญาตแล้ว
notice-review = คำขอของคุณถูกส่งไปยังการตรวจสอบการปฏิบัติตามข้อกำหนดแล้ว หน้านี้จะแสดงสถานะของคำขอ

## ผู้เยี่ยมชมสามารถรับโมเดลได้หรือไม่

availability-signin-label = เข้าสู่ระบบ
availability-signin-sentence = เข้าสู่ระบบเพื่อดูว่าคุณสามารถรับโมเดลนี้ได้หรือไม่
availability-attest-label = แจ้งภูมิลำเนา
availability-attest-sentence = โปรดแจ้งภูมิลำเนาของคุณในโปรไฟล์ เนื่องจากเงื่อนไขของสัญญาอนุญาตขึ้นอยู่กับภูมิลำเนา
availability-allow-label = พร้อมใช้งาน
availability-allow-sentence = คุณสามารถดาวน์โหลดโมเดลนี้ได้
availability-review-label = ต้องตรวจสอบ
availability-review-sentence = คำขอของคุณต้องผ่านการตรวจสอบการปฏิบัติตามข้อกำหนดก่อนจึงจะดาวน์โหลดได้
availability-accept-label = ยอมรับสัญญาอนุญาต
availability-accept-sentence = โปรดยอมรับสัญญาอนุญาตและนโยบายการใช้งานที่ยอมรับได้ฉบับปัจจุบันเพื่อดาวน์โหลดโมเดลนี้
availability-deny-label = ไม่พร้อมให้บริการแก่คุณ
availability-deny-sentence = คุณไม่สามารถดาวน์โหลดโมเดลนี้ได้

## การดาวน์โหลด

downloads-title = ดาวน์โหลด { $model }
downloads-allowance = ลิงก์เหล่านี้ใช้ได้จนถึง { $expires } โดยแต่ละไฟล์ดาวน์โหลดได้ไม่เกิน { $copies } ชุดในแต่ละช่วงเวลาที่ยาวเท่ากันนี้ นับเป็นจำนวนไบต์รวมจากทุกลิงก์ของคุณ (การดาวน์โหลดที่ขาดตอนจะนับเฉพาะส่วนที่ได้รับไปแล้ว จึงดาวน์โหลดต่อได้ตามปกติ)
downloads-file = ไฟล์
downloads-size = ขนาด
downloads-left = จำนวนดาวน์โหลดที่เหลือ
downloads-decision-entry = การตัดสินที่อนุญาตการดาวน์โหลดนี้คือรายการต่อไปนี้ในบันทึกการตรวจสอบ:
downloads-decision-proof = ดาวน์โหลดหลักฐานของการตัดสินนี้
downloads-decision-proof-hint = พร้อมภายในหนึ่งวินาที และตรวจยืนยันแบบออฟไลน์ได้ด้วย
downloads-terminal = จากเทอร์มินัล
downloads-client = ไคลเอนต์ modelgate จะตรวจสอบลายเซ็น ดาวน์โหลดแบบขนาน ดาวน์โหลดต่อจากจุดที่ค้าง และตรวจยืนยันทุกไฟล์ โดยต้องใช้โทเค็น API:
downloads-curl = หรือดาวน์โหลดทีละไฟล์ด้วย curl (-C - ใช้ดาวน์โหลดต่อ) แล้วตรวจสอบค่า SHA-256 กับตาราง:

## หน้าข้อผิดพลาด

error-page-code = รหัสข้อผิดพลาด:
error-page-back = กลับไปยังรายการโมเดล
portal-csrf-failed = แบบฟอร์มนี้หมดอายุหรือมาจากเว็บไซต์อื่น โปรดโหลดหน้าใหม่แล้วลองอีกครั้ง
portal-sign-in-required = โปรดเข้าสู่ระบบเพื่อดำเนินการต่อ
portal-internal = เกิดข้อผิดพลาดในระบบของเรา และได้บันทึกข้อผิดพลาดไว้แล้ว
portal-form-unreadable = ไม่สามารถอ่านแบบฟอร์มได้: { $detail }
portal-tick-to-accept = โปรดทำเครื่องหมายในช่องเพื่อยอมรับสัญญาอนุญาต
proofs-no-acceptance = คุณยังไม่ได้ยอมรับสัญญาอนุญาตใดเลย

## โปรไฟล์และคำแถลง

profile-title = โปรไฟล์ของคุณ
profile-signed-in-as = ลงชื่อเข้าใช้ในชื่อ { $email } ({ $role })
profile-saved = บันทึกคำแถลงของคุณแล้ว
profile-current = คำแถลงปัจจุบัน
profile-legal-name = ชื่อตามกฎหมาย
profile-domicile = ภูมิลำเนา
profile-on-behalf-of = ในนามของ
profile-principal-place = สถานที่ประกอบธุรกิจหลัก: { $country }
profile-recorded = บันทึกเมื่อ
profile-declare-first = โปรดระบุภูมิลำเนาของคุณก่อนยอมรับสัญญาอนุญาต เนื่องจากเงื่อนไขของสัญญาอนุญาตขึ้นอยู่กับภูมิลำเนา
profile-change = เปลี่ยนคำแถลงของคุณ
profile-declare = แจ้งภูมิลำเนาของคุณ
profile-domicile-country = ประเทศที่เป็นภูมิลำเนา
profile-who-accepts = ใครเป็นผู้ยอมรับสัญญาอนุญาต
profile-as-individual = ตนเอง ในฐานะบุคคลธรรมดา
profile-as-organisation = องค์กรที่ตนเป็นตัวแทน
profile-organisation-name = ชื่อองค์กร (หากดำเนินการในนามองค์กร)
profile-organisation-country = สถานที่ประกอบธุรกิจหลักขององค์กร
profile-history-hint = คำแถลงใหม่จะแทนที่คำแถลงปัจจุบัน ส่วนคำแถลงก่อนหน้าจะเก็บไว้เป็นประวัติ
profile-save = บันทึกคำแถลง
profile-territories = อาณาเขตที่ใช้งาน
profile-users = ผู้ใช้ที่ใช้งานอยู่รายเดือน
profile-territories-question = ประเทศที่คุณจะใช้หรือติดตั้งใช้งาน (deploy) โมเดล (รหัส ISO คั่นด้วยเครื่องหมายจุลภาค)
profile-territories-hint = สัญญาอนุญาตที่จำกัดสถานที่ที่สามารถใช้โมเดลของตนได้จะขอข้อมูลนี้: { $licenses }
profile-users-question = ผู้ใช้ที่ใช้งานอยู่รายเดือนของผลิตภัณฑ์และบริการของคุณ
profile-users-hint = สัญญาอนุญาตที่กำหนดให้ต้องทำข้อตกลงแยกต่างหากเมื่อผู้ใช้ที่ใช้งานอยู่รายเดือนเกินจำนวนที่กำหนดจะขอข้อมูลนี้: { $licenses }
form-choose-band = เลือกช่วง
band-up-to-1m = ไม่เกิน 1 ล้าน
band-up-to-10m = 1 ถึง 10 ล้าน
band-up-to-100m = 10 ถึง 100 ล้าน
band-up-to-700m = 100 ถึง 700 ล้าน
band-up-to-1b = 700 ล้านถึง 1 พันล้าน
band-over-1b = มากกว่า 1 พันล้าน
form-choose-country = เลือกประเทศ

## การสมัคร การเข้าสู่ระบบ และการยืนยันที่อยู่อีเมล

sign-up-title = สร้างบัญชีของคุณ
sign-email = อีเมล
sign-password = รหัสผ่าน
sign-password-hint = อย่างน้อย 12 ตัวอักษร
sign-have-account = มีบัญชีอยู่แล้วใช่หรือไม่
sign-new-here = เป็นผู้ใช้ใหม่ใช่หรือไม่
signup-thanks = ขอบคุณ: { $next }
signup-next-confirm-email = หากเป็นที่อยู่ใหม่ ระบบได้สร้างบัญชีและส่งลิงก์ยืนยันไปยังที่อยู่นั้นแล้ว โปรดเปิดลิงก์ แล้วจึงลงชื่อเข้าใช้
signup-next-sign-in = หากเป็นที่อยู่ใหม่ ระบบได้สร้างบัญชีแล้ว โปรดลงชื่อเข้าใช้
signup-verification-resent = หากที่อยู่นี้มีบัญชีที่ยังไม่ได้ยืนยันที่อยู่ ระบบได้ส่งลิงก์ใหม่ไปให้แล้ว
verify-title = ยืนยันที่อยู่อีเมลของคุณ
verify-explanation = การยืนยันเป็นการพิสูจน์ว่าที่อยู่นี้เป็นของคุณ และตั้งรหัสผ่านที่คุณเลือกไว้ตอนสมัคร เซสชันก่อนหน้าทั้งหมดของบัญชีจะสิ้นสุดลง
verify-confirm = ยืนยันที่อยู่อีเมลของฉัน
verify-confirmed = ยืนยันที่อยู่อีเมลของคุณแล้ว โปรดเข้าสู่ระบบเพื่อดำเนินการต่อ

## โทเค็น API

tokens-intro = โทเค็นช่วยให้ CLI ของ modelgate, curl และไคลเอนต์ Hugging Face ดำเนินการแทนคุณได้
tokens-new = โทเค็นใหม่ของคุณ
tokens-copy-now = โปรดคัดลอกตอนนี้ เนื่องจากจะไม่แสดงอีก
tokens-name = ชื่อ
tokens-expires-after = หมดอายุหลังจาก (วัน)
tokens-scopes = ขอบเขตสิทธิ์
tokens-scopes-hint = read: ดูโมเดลและบัญชีของคุณ; download: ขอสิทธิ์เข้าถึงและดาวน์โหลด; accept: ยอมรับสัญญาอนุญาต
tokens-create = สร้างโทเค็น
tokens-yours = โทเค็นของคุณ
tokens-none = ยังไม่มีโทเค็น
tokens-created = สร้างเมื่อ
tokens-expires = หมดอายุ
tokens-last-used = ใช้ล่าสุด
tokens-actions = การดำเนินการ
tokens-never = ไม่เคย
tokens-expiry-not-number = ระยะเวลาหมดอายุต้องเป็นจำนวนวัน
state-revoked = เพิกถอนแล้ว
action-revoke = เพิกถอน

## สถานะของการตรวจสอบและการตัดสิน

state-open = เปิดอยู่
state-approved = อนุมัติแล้ว
state-denied = ปฏิเสธแล้ว
state-superseded = ถูกแทนที่แล้ว
state-all = ทั้งหมด
state-allow = อนุญาต
state-review = ส่งตรวจสอบ
state-deny = ปฏิเสธ

## คิวการตรวจสอบ

reviews-title = คิวการตรวจสอบ
reviews-showing = แสดง:
reviews-case = กรณี
reviews-requested-by = ผู้ขอ
reviews-opened = เปิดเมื่อ
reviews-declared = ที่แจ้งไว้
reviews-geo-country = ประเทศตาม GeoIP
reviews-decided-by = ผู้ตัดสิน
reviews-note = หมายเหตุ (จำเป็น)
reviews-approve = อนุมัติ
reviews-deny = ปฏิเสธ
reviews-none = ไม่มีกรณีในส่วนนี้
reviews-declared-domicile = ภูมิลำเนา { $domicile }
reviews-declared-for = ภูมิลำเนา { $domicile } ในนามของ { $organisation } ({ $country })

## บันทึกการตรวจสอบและสถิติ

audit-title = บันทึกการตรวจสอบ
audit-verified = ตรวจยืนยันบันทึกแล้ว
audit-verification-failed = การตรวจยืนยันบันทึกล้มเหลว
audit-kind = ประเภทเหตุการณ์
audit-outcome = ผลลัพธ์
audit-model = โมเดล
audit-user = รหัสผู้ใช้หรืออีเมลเจ้าหน้าที่
audit-country = ประเทศ
audit-organisation = องค์กร
audit-partner = พันธมิตร
audit-search = ค้นหา
audit-export-csv = ส่งออก CSV
audit-export-jsonl = ส่งออก JSONL
audit-events = เหตุการณ์ ({ $count })
audit-events-first = เหตุการณ์ ({ $count } รายการแรก)
audit-time = เวลา (UTC)
audit-actor = ผู้ดำเนินการ
audit-subject = เป้าหมาย
audit-details = รายละเอียด
audit-event = เหตุการณ์ { $seq }
audit-next-page = หน้าถัดไป
period-since = ตั้งแต่
period-until = จนถึง
stats-title = สถิติการตัดสิน
stats-show = แสดง
stats-open-cases = มีกรณีตรวจสอบที่เปิดอยู่ { $count } กรณี
stats-open-queue = เปิดคิว
stats-by-country = การตัดสินตามประเทศของผู้รับอนุญาต
stats-none = ไม่มีการตัดสินในช่วงเวลานี้
stats-chart-title = การตัดสินสิทธิ์เข้าถึงตามประเทศของผู้รับอนุญาต: อนุญาต ส่งตรวจสอบ ปฏิเสธ
stats-by-country-model-outcome = ตามประเทศ โมเดล และผลลัพธ์
stats-decisions = การตัดสิน

## การดูแลระบบ

admin-title = การดูแลระบบ
admin-licenses = สัญญาอนุญาต
admin-partners = พันธมิตร
admin-models = โมเดลและรีวิชัน
admin-published = เผยแพร่เมื่อ
admin-files = ไฟล์
admin-no-models = ยังไม่มีโมเดลที่เผยแพร่ เผยแพร่โมเดลได้ด้วย
admin-license-published = เผยแพร่เมื่อ { $at } โดย { $by }
admin-shipped-bundle = ชุดที่มาพร้อมระบบ
admin-acceptances = การยอมรับ ({ $count }) และการเพิกถอน
admin-account = บัญชี
admin-version = เวอร์ชัน
admin-accepted = ยอมรับเมื่อ
admin-licensee-country = ประเทศของผู้รับอนุญาต
admin-terminate = ยุติ
admin-reason = เหตุผล
admin-publish-license = เผยแพร่สัญญาอนุญาตเวอร์ชันใหม่
admin-license-id = รหัสสัญญาอนุญาต
admin-license-title = ชื่อเรื่อง
admin-modalities = รูปแบบข้อมูลที่ครอบคลุม
admin-license-text = ข้อความสัญญาอนุญาต
admin-publish-hint = ทุกคนต้องยอมรับเวอร์ชันใหม่ก่อนการดาวน์โหลดครั้งถัดไป
admin-publish-version = เผยแพร่เวอร์ชัน
admin-partner-name = ชื่อ
admin-principal-place = สถานที่ประกอบธุรกิจหลัก
admin-contact = ผู้ติดต่อ
admin-since = ตั้งแต่
admin-add-partner = เพิ่มพันธมิตร
admin-contact-email = อีเมลติดต่อ
admin-create-partner = สร้างพันธมิตร
admin-license-published-notice = เผยแพร่ { $license } เวอร์ชัน { $version } แล้ว (sha256:{ $digest })
admin-partner-created = สร้างพันธมิตร { $name } แล้ว โปรดมอบโทเค็นพันธมิตรนี้ให้ตอนนี้ เนื่องจากจะไม่แสดงอีก:

## อีเมล

mail-verify-subject = ยืนยันที่อยู่อีเมลของคุณสำหรับ modelgate
mail-verify-body =
    เปิดลิงก์นี้เพื่อยืนยันว่าที่อยู่นี้เป็นของคุณ:

    { $link }

    ลิงก์นี้ใช้ได้ครั้งเดียว ภายใน { $hours } ชั่วโมง และจะตั้งรหัสผ่านที่คุณเลือกไว้ตอนลงทะเบียน
    จนกว่าที่อยู่จะได้รับการยืนยัน บัญชีนี้จะยื่นคำแถลง ยอมรับสัญญาอนุญาต
    หรือดาวน์โหลดโมเดลที่มีการควบคุมการเข้าถึงไม่ได้
    หากคุณไม่ได้ลงทะเบียน โปรดเพิกเฉยต่อข้อความนี้
mail-taken-subject = มีผู้พยายามลงทะเบียนด้วยที่อยู่ของคุณ
mail-taken-body =
    มีผู้หนึ่ง ซึ่งอาจเป็นคุณ ขอสร้างบัญชี modelgate สำหรับที่อยู่นี้
    ที่อยู่นี้มีบัญชีอยู่แล้ว จึงไม่มีการสร้างบัญชีใหม่ ลงชื่อเข้าใช้ได้ที่ { $signin }
    หากไม่ใช่คุณ คุณสามารถเพิกเฉยต่อข้อความนี้ได้

## กฎที่ใช้ตัดสิน (ตามรหัสกฎ; รหัสกฎจะไม่เปลี่ยนแปลง)

rule-reason-end-user-carve-out = ผู้ใช้ปลายทางของผลิตภัณฑ์ที่รวมโมเดลไว้ไม่ถูกจำกัดโดยข้อกำหนดเกี่ยวกับ EU ในสัญญาอนุญาต
rule-reason-eu-multimodal-withheld = สัญญาอนุญาตไม่ได้ให้สิทธิ์ใช้โมเดลหลายรูปแบบ (multimodal) แก่บุคคลที่มีภูมิลำเนาใน EU หรือบริษัทที่มีสถานที่ประกอบธุรกิจหลักใน EU
clause-llama-3-2-regional = สัญญาอนุญาต Llama 3.2 ข้อ 4: โมเดลหลายรูปแบบ (Multimodal Models) และสหภาพยุโรป
clause-llama-3-2-users = สัญญาอนุญาต Llama 3.2 ข้อ 6: บริการขนาดใหญ่มาก
clause-llama-3-1-users = สัญญาอนุญาต Llama 3.1 ข้อ 2: เงื่อนไขทางการค้าเพิ่มเติม
clause-llama-4-regional = สัญญาอนุญาต Llama 4 ข้อ 3: โมเดลหลายรูปแบบ (Multimodal Models) และสหภาพยุโรป
clause-llama-4-users = สัญญาอนุญาต Llama 4 ข้อ 2: เงื่อนไขทางการค้าเพิ่มเติม
clause-hunyuan-regional = สัญญาอนุญาต Hunyuan ข้อ 3: อาณาเขตที่ถูกยกเว้น
clause-hunyuan-users = สัญญาอนุญาต Hunyuan ข้อ 2: เงื่อนไขทางการค้าเพิ่มเติม
rule-reason-license-accepted = ผู้รับอนุญาตได้ยอมรับสัญญาอนุญาตและนโยบายการใช้งานที่ยอมรับได้ฉบับปัจจุบันแล้ว
rule-reason-license-acceptance-required = ยังไม่ได้ยอมรับสัญญาอนุญาตและนโยบายการใช้งานที่ยอมรับได้ฉบับปัจจุบัน
rule-reason-partner-may-mirror = พันธมิตรได้ยอมรับสัญญาอนุญาตฉบับปัจจุบันแล้ว และสามารถแจกจ่ายโมเดลนี้ได้
rule-reason-partner-only-partners-mirror = เฉพาะพันธมิตรเท่านั้นที่สามารถทำมิเรอร์โมเดลได้
rule-reason-review-clause-region-location = คำขอมาจากตำแหน่งที่ตั้งในภูมิภาคที่ข้อกำหนดของสัญญาอนุญาตจำกัดไว้ และคำแถลงไม่ได้ระบุภูมิภาคนั้น
rule-reason-review-european-location = คำขอมาจากตำแหน่งที่ตั้งในยุโรปที่ไม่ระบุประเทศ
rule-reason-review-anonymising-proxy = คำขอมาผ่านพร็อกซีที่ปกปิดตัวตน
rule-reason-review-approved = เจ้าหน้าที่ฝ่ายกำกับการปฏิบัติตามข้อกำหนดได้ตรวจสอบและอนุมัติผู้รับอนุญาตรายนี้สำหรับโมเดลนี้แล้ว
rule-reason-review-denied = เจ้าหน้าที่ฝ่ายกำกับการปฏิบัติตามข้อกำหนดได้ตรวจสอบและปฏิเสธผู้รับอนุญาตรายนี้สำหรับโมเดลนี้แล้ว
rule-reason-review-declaration-changed = ผู้รับอนุญาตเปลี่ยนคำแถลง (ภูมิลำเนา องค์กร หรือประเทศขององค์กร) หลังจากถูกปฏิเสธในการตรวจสอบการปฏิบัติตามข้อกำหนด หรือในระหว่างที่การตรวจสอบยังเปิดอยู่
rule-reason-review-pending = มีการตรวจสอบการปฏิบัติตามข้อกำหนดของผู้รับอนุญาตรายนี้สำหรับโมเดลนี้ที่ยังเปิดอยู่
rule-reason-review-denied-for-another-model = เจ้าหน้าที่ฝ่ายกำกับการปฏิบัติตามข้อกำหนดได้ปฏิเสธผู้รับอนุญาตรายนี้สำหรับโมเดลอื่นที่ถูกจำกัดโดยข้อกำหนดระดับภูมิภาค
rule-reason-review-monthly-active-users = จำนวนผู้ใช้ที่ใช้งานอยู่รายเดือนที่ผู้รับอนุญาตแจ้งไว้อาจเกินขีดจำกัดของสัญญาอนุญาต ซึ่งหากเกินขีดจำกัดนั้นต้องทำข้อตกลงแยกต่างหาก
rule-reason-license-terms-unknown = เกตเวย์ไม่มีชุดสัญญาอนุญาตสำหรับสัญญาอนุญาตของโมเดลนี้ จึงไม่สามารถบังคับใช้เงื่อนไขของสัญญาอนุญาตได้
rule-reason-declaration-territory-required = สัญญาอนุญาตจำกัดสถานที่ที่สามารถใช้โมเดลของตนได้ โปรดแจ้งอาณาเขตที่คุณจะใช้หรือติดตั้งใช้งานโมเดล
rule-reason-declaration-monthly-active-users-required = สัญญาอนุญาตจำกัดจำนวนผู้ใช้ที่ใช้งานอยู่รายเดือนของผลิตภัณฑ์ของผู้รับอนุญาต โปรดแจ้งจำนวนของคุณก่อนรับโมเดลภายใต้สัญญาอนุญาตนี้
rule-reason-embargo-licensee = ผู้ดำเนินการระบบไม่แจกจ่ายโมเดลให้แก่ผู้รับอนุญาตที่มีภูมิลำเนา จัดตั้งกิจการ หรือติดตั้งใช้งานโมเดลในประเทศที่อยู่ภายใต้มาตรการคว่ำบาตร (embargo)
rule-reason-embargo-location = คำขอมาจากประเทศที่อยู่ภายใต้มาตรการคว่ำบาตร (embargo)
rule-reason-eu-llama-4-withheld = สัญญาอนุญาตไม่ได้ให้สิทธิ์ใช้โมเดลภายใต้สัญญาอนุญาตนี้แก่บุคคลที่มีภูมิลำเนาใน EU หรือบริษัทที่มีสถานที่ประกอบธุรกิจหลักใน EU
rule-reason-territory-hunyuan-excluded = สัญญาอนุญาตไม่ได้ให้สิทธิ์ใดๆ ในการใช้หรือติดตั้งใช้งานโมเดลภายใต้สัญญาอนุญาตนี้ในสหภาพยุโรป สหราชอาณาจักร หรือเกาหลีใต้
rule-reason-revocation-entitlement-revoked = สัญญาอนุญาตของผู้รับอนุญาตถูกยุติแล้ว

## ข้อความข้อผิดพลาดของ API (ตามรหัสข้อผิดพลาด; รหัสจะไม่เปลี่ยนแปลง)

error-bad-request = คำขอไม่ถูกต้อง: { $detail }
error-invalid-digest = ไดเจสต์ไม่ถูกต้อง: { $detail }
error-invalid-model-id = รหัสโมเดลไม่ถูกต้อง: { $detail }
error-model-not-found = ไม่พบโมเดล `{ $model }`
error-revision-not-found = ไม่พบรีวิชัน `{ $revision }`
error-blob-not-found = ไม่พบ blob `{ $blob }`
error-range-not-satisfiable = ไม่สามารถให้ข้อมูลตามช่วงที่ขอได้: { $detail }
error-payload-too-large = เนื้อหาคำขอมีขนาดใหญ่เกินไป
error-not-found = ไม่พบ: { $detail }
error-unauthenticated = ต้องยืนยันตัวตน: ส่ง `Authorization: Bearer <token>`
error-invalid-token = โทเค็นไม่ถูกต้อง: { $detail }
error-invalid-credentials = อีเมลหรือรหัสผ่านไม่ถูกต้อง
error-forbidden = ไม่ได้รับอนุญาต: { $detail }
error-too-many-attempts = มีการพยายามจากที่อยู่นี้มากเกินไป โปรดลองอีกครั้งในอีก { $seconds } วินาที
error-email-taken = มีบัญชีที่ใช้อีเมลนี้อยู่แล้ว
error-email-not-verified = โปรดยืนยันที่อยู่อีเมลของคุณก่อน โดยคลิกลิงก์ที่ส่งไปยังอีเมลนั้น (POST /v1/auth/resend-verification จะส่งลิงก์ใหม่ให้)
error-invalid-verification-link = ลิงก์ยืนยันนี้ไม่รู้จัก ถูกใช้ไปแล้ว หรือหมดอายุ โปรดขอลิงก์ใหม่
error-request-timeout = เนื้อหาคำขอมาถึงไม่ทันเวลา
error-too-many-connections = มีการเชื่อมต่อจากที่อยู่นี้มากเกินไป โปรดลองอีกครั้งภายหลัง
error-invalid-country = ประเทศไม่ถูกต้อง: { $detail }
error-license-not-found = ไม่พบสัญญาอนุญาต `{ $license }`
error-stale-license-version = ไดเจสต์ที่คุณส่งมาไม่ใช่เวอร์ชันปัจจุบันของสัญญาอนุญาตนี้ โปรดอ่านและยอมรับเวอร์ชัน `{ $version }` (ไดเจสต์ { $digest })
error-license-terminated = สัญญาอนุญาตของคุณถูกยุติแล้ว ({ $detail }) โปรดติดต่อผู้เผยแพร่
error-attestation-required = โปรดแจ้งภูมิลำเนาของคุณก่อน: PUT /v1/me/attestation
error-grant-required = blob นี้ต้องมีสิทธิ์ดาวน์โหลด (grant): POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access จากนั้นส่ง `Modelgate-Grant: <token>` หรือ `?grant=<token>`
error-invalid-grant = สิทธิ์ดาวน์โหลดไม่ถูกต้อง: { $detail }
error-grant-expired = สิทธิ์ดาวน์โหลดหมดอายุแล้ว โปรดขอใหม่ที่ POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-grant-not-for-blob = สิทธิ์ดาวน์โหลดนี้ไม่ครอบคลุม blob นี้ สิทธิ์ดาวน์โหลดเปิดได้เฉพาะไฟล์ของรีวิชันโมเดลที่ออกสิทธิ์ให้เท่านั้น
error-entitlement-revoked = สิทธิ์ที่เป็นฐานของสิทธิ์ดาวน์โหลดนี้ถูกเพิกถอนแล้ว: { $detail }
error-grant-outdated = ข้อเท็จจริงที่ใช้ตัดสินสิทธิ์ดาวน์โหลดนี้เปลี่ยนไปแล้ว (มีคำแถลงใหม่ สัญญาอนุญาตเวอร์ชันใหม่ หรือผู้รับอนุญาตยังไม่ได้ยอมรับฉบับปัจจุบัน) โปรดขอสิทธิ์เข้าถึงอีกครั้ง
error-location-changed = คำขอนี้มาจากตำแหน่งที่ตั้งที่ต้องผ่านการตรวจสอบการปฏิบัติตามข้อกำหนดสำหรับโมเดลนี้ ({ $reasons }) โปรดขอสิทธิ์เข้าถึงอีกครั้งที่ POST /v1/models/{"{"}org{"}"}/{"{"}name{"}"}/access
error-download-limit-reached = บัญชีนี้ได้รับข้อมูลของ blob นี้ครบ { $limit } ชุดแล้วในช่วงเวลาปัจจุบัน (นับทั้งไบต์ที่ดาวน์โหลดใหม่และที่ดาวน์โหลดต่อ) โปรดขออีกครั้งเมื่อสิ้นสุดช่วงเวลานี้
error-access-denied = ปฏิเสธการเข้าถึง: { $reason }
error-conflict = ข้อมูลขัดแย้งกัน: { $detail }
error-audit-entry-pending = รายการบันทึกการตรวจสอบ `{ $entry }` ยังไม่อยู่ในจุดตรวจสอบ (checkpoint) ที่ลงนามแล้ว โปรดลองอีกครั้งในอีกสักครู่
error-database-unavailable = ฐานข้อมูลไม่พร้อมใช้งาน โปรดลองอีกครั้งในอีกสักครู่
error-store-unavailable = ที่เก็บ blob ไม่พร้อมใช้งาน โปรดลองอีกครั้งในอีกสักครู่
error-model-not-runnable = ไม่สามารถรันโมเดลได้: { $detail }
error-invalid-image = รูปภาพไม่ถูกต้อง: { $detail }
error-no-validation-vectors = รีวิชันนี้เผยแพร่โดยไม่มีเวกเตอร์ตรวจสอบความถูกต้อง โปรดเผยแพร่อีกครั้งด้วยเกตเวย์นี้เพื่อบันทึกเวกเตอร์ดังกล่าว
error-prompt-too-long = พรอมต์มี { $tokens } โทเค็น อนุญาตสูงสุด { $limit } โทเค็น
error-too-many-tokens = มีการขอโทเค็นใหม่ { $requested } โทเค็น อนุญาตสูงสุด { $limit } โทเค็น
error-inference-over-budget = โมเดลต้องใช้หน่วยความจำประมาณ { $needed } ไบต์ แต่งบประมาณการอนุมานของเกตเวย์นี้คือ { $budget }
error-inference-busy = ช่องการอนุมานทั้งหมดไม่ว่าง โปรดลองอีกครั้งในอีกสักครู่
error-inference-account-busy = บัญชีนี้มีการอนุมานที่รออยู่หรือกำลังทำงานอยู่แล้ว ทำได้ครั้งละหนึ่งรายการ
error-inference-timeout = การอนุมานใช้เวลานานกว่า { $seconds } วินาทีจึงถูกหยุด
error-inference-disabled = การอนุมานถูกปิดใช้งานบนเกตเวย์นี้
error-internal = ข้อผิดพลาดภายใน
