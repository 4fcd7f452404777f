; counselroom: the Windows installer (Inno Setup 6.3 or newer).
;
;   pyinstaller --noconfirm --clean --distpath dist --workpath build\pyinstaller packaging\counselroom.spec
;   iscc packaging\windows\counselroom.iss          (gives dist\counselroom-<version>-setup.exe)
;
; It installs the PyInstaller one-folder bundle (dist\counselroom\*) for the current user, without
; administrator rights, into %LOCALAPPDATA%\Programs\counselroom, with a Start-menu entry.
;
; The vault is never touched, neither by installing, nor by upgrading, nor by uninstalling: it lives in the
; per-user data folder %LOCALAPPDATA%\counselroom (platformdirs' user_data_dir("counselroom"), see
; src/counselroom/vault/vault.py: default_vault_path() is %LOCALAPPDATA%\counselroom\vault, the settings
; and the failed-attempt counter are beside it), not under {app}. The uninstaller removes the files it
; installed; [UninstallDelete] below names only {app} itself, and only when it is empty. There is no
; "filesandordirs" entry anywhere in this script, and none may be added.
;
; Chinese (Simplified): Inno Setup 6 has no official Simplified Chinese translation. The one used is the
; unofficial, user-contributed ChineseSimplified.isl from Inno Setup's own repository, fetched at a fixed
; commit and checked against its SHA-256 by fetch_chinese_isl.py into languages\ (not kept in this
; repository); an Inno Setup that ships an official one (7.0.2 and later) is used with its own.
;
; The version comes from the built counselroom.exe (its version resource, written from
; src/counselroom/__init__.py by version_info.py), or from /DAppVersion=... on the command line.

#if Ver < EncodeVer(6, 3, 0)
  #error Inno Setup 6.3 or newer is needed (x64compatible, UTF-8 scripts without a byte-order mark)
#endif

#define Root AddBackslash(SourcePath) + "..\.."
#define Bundle Root + "\dist\counselroom"
#define MainExe "counselroom.exe"

#if !FileExists(Bundle + "\" + MainExe)
  #error dist\counselroom\counselroom.exe is missing: build the bundle with PyInstaller first
#endif
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(Bundle + "\" + MainExe, "ProductVersion")
#endif
#if AppVersion == ""
  #error No version: counselroom.exe has no version resource; pass /DAppVersion=x.y.z
#endif
#define AppVersionNumbers GetVersionNumbersString(Bundle + "\" + MainExe)
#if AppVersionNumbers == ""
  #define AppVersionNumbers "0.0.0.0"
#endif

#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
  #define ChineseIsl "compiler:Languages\ChineseSimplified.isl"
#elif FileExists(AddBackslash(SourcePath) + "languages\ChineseSimplified.isl")
  #define ChineseIsl AddBackslash(SourcePath) + "languages\ChineseSimplified.isl"
#else
  #error languages\ChineseSimplified.isl is missing: run "python packaging\windows\fetch_chinese_isl.py" first
#endif

[Setup]
AppId=org.counselroom.counselroom
AppName=counselroom
AppVersion={#AppVersion}
AppVerName=counselroom {#AppVersion}
AppPublisher=counselroom
VersionInfoVersion={#AppVersionNumbers}
VersionInfoProductName=counselroom
VersionInfoProductTextVersion={#AppVersion}
VersionInfoDescription=counselroom setup
; Per user, no administrator: {autopf} is then {userpf}, that is %LOCALAPPDATA%\Programs.
PrivilegesRequired=lowest
DefaultDirName={autopf}\counselroom
DefaultGroupName=counselroom
DisableProgramGroupPage=yes
; Qt 6 needs Windows 10 1809 (build 17763) or later, 64-bit.
MinVersion=10.0.17763
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=counselroom-{#AppVersion}-setup
SetupIconFile={#Root}\resources\icons\counselroom.ico
UninstallDisplayIcon={app}\{#MainExe}
UninstallDisplayName=counselroom
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
ShowLanguageDialog=auto
LanguageDetectionMethod=uilanguage
; A running counselroom is asked to close (the Restart Manager) before its files are replaced.
CloseApplications=yes
RestartApplications=no
SetupLogging=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "chinesesimplified"; MessagesFile: "{#ChineseIsl}"

[CustomMessages]
english.NotInDataFolder=counselroom cannot be installed into the folder that holds your records (%1). Choose another folder.
chinesesimplified.NotInDataFolder=counselroom 不能安装到存放档案的文件夹（%1）。请选择其他文件夹。
english.RecordsKept=counselroom has been removed. Your records were not touched: the vault is still in%n%n%1%n%nKeep it (or a verified backup) as long as the records must be kept. Installing counselroom again opens it.
chinesesimplified.RecordsKept=counselroom 已卸载。您的档案没有被改动，档案库仍在%n%n%1%n%n在档案保存期限内请保留它（或一份已验证的备份）。重新安装 counselroom 即可打开它。

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\counselroom"; Filename: "{app}\{#MainExe}"; WorkingDir: "{app}"
Name: "{autodesktop}\counselroom"; Filename: "{app}\{#MainExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#MainExe}"; Description: "{cm:LaunchProgram,counselroom}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only {app}, and only once it is empty. The vault is elsewhere (see the top of this file).
Type: dirifempty; Name: "{app}"

[Code]
function DataFolder(): String;
begin
  { platformdirs.user_data_dir("counselroom", appauthor=False) on Windows }
  Result := ExpandConstant('{localappdata}\counselroom');
end;

function SameOrInside(const Path, Folder: String): Boolean;
var
  P, F: String;
begin
  P := Lowercase(AddBackslash(Path));
  F := Lowercase(AddBackslash(Folder));
  Result := Copy(P, 1, Length(F)) = F;
end;

function NextButtonClick(CurPageID: Integer): Boolean;
begin
  Result := True;
  { Never install into the records' folder, nor into a folder that holds it. }
  if (CurPageID = wpSelectDir) and
     (SameOrInside(WizardDirValue, DataFolder()) or SameOrInside(DataFolder(), WizardDirValue)) then
  begin
    SuppressibleMsgBox(FmtMessage(CustomMessage('NotInDataFolder'), [DataFolder()]), mbError, MB_OK, IDOK);
    Result := False;
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and DirExists(DataFolder() + '\vault') and not UninstallSilent then
    MsgBox(FmtMessage(CustomMessage('RecordsKept'), [DataFolder() + '\vault']), mbInformation, MB_OK);
end;
